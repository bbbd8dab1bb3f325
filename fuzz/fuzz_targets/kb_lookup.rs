//! The knowledge base's lookup and suggestions over arbitrary queries: any
//! text, any case, any sign or radix of a number.
#![no_main]

use ewsdiag::kb;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let query = String::from_utf8_lossy(data);
    let base = kb::knowledge_base();
    if let Some(entry) = base.lookup(&query) {
        // What a lookup finds, its own name finds again.
        assert!(base.lookup(&entry.code).is_some(), "{query:?} found {}", entry.code);
    } else {
        let _ = base.suggest(&query);
    }
});
