#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    lattice_dataplane::fuzzing::http1(data);
});
