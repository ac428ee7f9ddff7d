#![no_main]
//! See o2c_fuzz::bai2 (fuzz/src/lib.rs) for what this covers.

libfuzzer_sys::fuzz_target!(|data: &[u8]| o2c_fuzz::bai2(data));
