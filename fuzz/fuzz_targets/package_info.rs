//! libFuzzer target: `.deb` bytes -> the package reader behind `inspect` and `index` -> the listing.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    wazo_pluginctl::fuzzing::package_info(data);
});
