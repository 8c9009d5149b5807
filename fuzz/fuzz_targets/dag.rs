//! Fuzz target `dag`: see `monolint_fuzz::dag`.

#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| monolint_fuzz::dag(data));
