//! Fuzz target `selectors_yml`: see `monolint_fuzz::selectors_yml`.

#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| monolint_fuzz::selectors_yml(data));
