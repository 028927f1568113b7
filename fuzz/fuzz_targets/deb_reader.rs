//! libFuzzer target: `.deb` bytes -> ar members -> decompression -> tar entries, drained.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    wazo_pluginctl::fuzzing::deb(data);
});
