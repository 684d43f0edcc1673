//! Profiling harness: parse the corpus repeatedly (for perf).
fn main() {
    let dir = std::path::Path::new("../shared/corpus/sisimai/maildir/bsd");
    let files: Vec<Vec<u8>> = std::fs::read_dir(dir).unwrap().map(|e| std::fs::read(e.unwrap().path()).unwrap()).collect();
    let mut n = 0;
    for _ in 0..60 { for f in &files { n += dix_client::bounce::parse_bytes(f, "x").len(); } }
    println!("{n}");
}
