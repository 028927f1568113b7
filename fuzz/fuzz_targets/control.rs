//! libFuzzer target: control-file bytes -> the deb822 parser and lint's control parser and checks.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    wazo_pluginctl::fuzzing::control(data);
});
