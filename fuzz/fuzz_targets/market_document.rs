//! libFuzzer target: market document bytes -> lint --market's dependency resolution and
//! market --into's byte-keeping writer.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    wazo_pluginctl::fuzzing::market_document(data);
});
