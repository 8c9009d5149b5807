//! Fuzz target `properties_yml`: see `monolint_fuzz::properties_yml`.

#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| monolint_fuzz::properties_yml(data));
