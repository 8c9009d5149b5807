//! Fuzz target `dbt_command_line`: see `monolint_fuzz::dbt_command_line`.

#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| monolint_fuzz::dbt_command_line(data));
