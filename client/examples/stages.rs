//! Profiling harness for `perf record`: parses the corpus 60 times.
//! Run from the workspace root: `cargo run --release --example stages`.
fn main() {
    let dir = std::path::Path::new("../shared/corpus/sisimai/maildir/bsd");
    let files: Vec<Vec<u8>> = std::fs::read_dir(dir)
        .expect("the corpus beside the project")
        .map(|e| std::fs::read(e.expect("entry").path()).expect("readable"))
        .collect();
    let mut facts = 0;
    for _ in 0..60 {
        for f in &files {
            facts += dix_client::bounce::parse_bytes(f, "x").len();
        }
    }
    println!("{facts} facts");
}
