//! libFuzzer target: `.deb` bytes -> `lint`'s package pass, every finding.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    wazo_pluginctl::fuzzing::lint_package(data);
});
