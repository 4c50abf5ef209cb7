//! Replays every fuzz corpus (`fuzz/corpus/<target>/*`) through the reader the app runs
//! ([`copse::untrusted::Reader`]): no input may panic, and each known hostile input
//! (`hostile-*`: the zero-bit Bloom filter, the deflate bomb, the row bomb …) must be refused,
//! while each well-formed seed (`real-*`, `copse-*`) must be accepted. Inputs the fuzzer adds
//! later (any other name) only have to be read without panicking.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};

use copse::untrusted::Reader;

fn corpus(reader: Reader) -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fuzz/corpus")
        .join(reader.name());
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|entry| entry.unwrap().path())
        .collect();
    files.sort();
    files
}

#[test]
fn every_corpus_input_is_read_without_panicking_and_hostile_ones_are_refused() {
    let mut hostile = 0;
    for reader in Reader::ALL {
        let files = corpus(reader);
        assert!(!files.is_empty(), "{} has no seeds", reader.name());
        for file in files {
            let name = file.file_name().unwrap().to_string_lossy().to_string();
            let bytes = std::fs::read(&file).unwrap();
            let accepted = catch_unwind(AssertUnwindSafe(|| reader.read(&bytes)))
                .unwrap_or_else(|_| panic!("{} panicked on {name}", reader.name()));
            if name.starts_with("hostile-") {
                hostile += 1;
                assert!(!accepted, "{} accepted the hostile {name}", reader.name());
            } else if name.starts_with("real-") || name.starts_with("copse-") {
                assert!(accepted, "{} refused the well-formed {name}", reader.name());
            }
        }
    }
    assert!(hostile >= 5, "the known hostile inputs are in the corpora");
}
