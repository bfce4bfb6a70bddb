#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    lattice_model::fuzzing::iam_policy(data);
});
