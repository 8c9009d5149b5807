//! Fuzz target `manifest`: see `monolint_fuzz::manifest`.

#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| monolint_fuzz::manifest(data));
