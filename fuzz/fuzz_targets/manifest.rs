//! libFuzzer target: `wazo/plugin.yml` bytes -> YAML tree -> validated manifest -> control.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    wazo_pluginctl::fuzzing::manifest(data);
});
