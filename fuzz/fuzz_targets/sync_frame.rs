//! Fuzzes `copse::untrusted::Reader::SyncFrame`: it must never panic, whatever the bytes.
#![no_main]

use copse::untrusted::Reader;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = Reader::SyncFrame.read(data);
});
