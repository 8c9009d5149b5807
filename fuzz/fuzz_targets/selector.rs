//! Fuzz target `selector`: see `monolint_fuzz::selector`.

#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| monolint_fuzz::selector(data));
