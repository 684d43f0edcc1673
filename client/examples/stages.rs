use std::time::Instant;
fn main() {
    let dir = std::path::Path::new("../shared/corpus/sisimai/maildir/bsd");
    let mut files: Vec<Vec<u8>> = std::fs::read_dir(dir).unwrap().map(|e| std::fs::read(e.unwrap().path()).unwrap()).collect();
    files.sort();
    let n = files.len() as f64;
    let rounds = 20;
    let t = Instant::now();
    let mut diags = Vec::new();
    for _ in 0..rounds { diags.clear(); for f in &files { for fact in dix_client::bounce::parse_bytes(f, "x") { diags.push(fact.diagnostic); } } }
    let total = t.elapsed().as_secs_f64() / rounds as f64 / n * 1e6;
    let t = Instant::now();
    for _ in 0..rounds { for f in &files { std::hint::black_box(mail_parser::MessageParser::default().parse(f)); } }
    let bare = t.elapsed().as_secs_f64() / rounds as f64 / n * 1e6;
    let t = Instant::now();
    for _ in 0..rounds { for d in &diags { std::hint::black_box(dix_client::bounce::smtp::scan(d)); } }
    let scan = t.elapsed().as_secs_f64() / rounds as f64 / n * 1e6;
    let t = Instant::now();
    for _ in 0..rounds { for d in &diags { std::hint::black_box(dix_client::bounce::classify::by_text(d)); } }
    let by_text = t.elapsed().as_secs_f64() / rounds as f64 / n * 1e6;
    let avg: f64 = diags.iter().map(|d| d.len()).sum::<usize>() as f64 / diags.len() as f64;
    println!("per email µs: total {total:.1} bare {bare:.1} scan {scan:.1} by_text {by_text:.1}; facts {} avg diag {avg:.0} bytes", diags.len());
}
