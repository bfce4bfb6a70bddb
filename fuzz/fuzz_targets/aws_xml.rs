#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    lattice_api::fuzzing::aws_xml(data);
});
