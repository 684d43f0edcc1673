//! Profiling harness for `perf record` and `valgrind --tool=callgrind`:
//! parses the corpus PASSES times (default 60). Run from the workspace
//! root: `cargo run --release --example stages [-- PASSES]`. Comparing two
//! pass counts under callgrind gives the instructions of one pass without
//! start-up (BENCHMARKS.md).
fn main() {
    let passes: usize = std::env::args()
        .nth(1)
        .map_or(60, |n| n.parse().expect("PASSES is a number"));
    let dir = std::path::Path::new("../shared/corpus/sisimai/maildir/bsd");
    let mut names: Vec<_> = std::fs::read_dir(dir)
        .expect("the corpus beside the project")
        .map(|e| e.expect("entry").path())
        .collect();
    names.sort();
    let files: Vec<Vec<u8>> = names
        .iter()
        .map(|p| std::fs::read(p).expect("readable"))
        .collect();
    let mut facts = 0;
    for _ in 0..passes {
        for f in &files {
            facts += dix_client::bounce::parse_bytes(f, "x").len();
        }
    }
    println!("{facts} facts");
}
