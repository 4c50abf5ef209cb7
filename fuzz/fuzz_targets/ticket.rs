//! Fuzzes `copse::untrusted::Reader::Ticket`: it must never panic, whatever the bytes.
#![no_main]

use copse::untrusted::Reader;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = Reader::Ticket.read(data);
});
