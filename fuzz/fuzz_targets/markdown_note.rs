//! Fuzzes `copse::untrusted::Reader::MarkdownNote`: it must never panic, whatever the bytes.
#![no_main]

use copse::untrusted::Reader;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = Reader::MarkdownNote.read(data);
});
