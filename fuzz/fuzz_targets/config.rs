//! Fuzz target `config`: see `monolint_fuzz::config`.

#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| monolint_fuzz::config(data));
