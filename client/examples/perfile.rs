//! Per-file cost: ours vs bare mail-parser (temporary profiling aid).
use std::time::Instant;
fn main() {
    let dir = std::path::Path::new("../shared/corpus/sisimai/maildir/bsd");
    let mut files: Vec<_> = std::fs::read_dir(dir).unwrap().map(|e| e.unwrap().path()).collect();
    files.sort();
    let parser = mail_parser::MessageParser::default();
    let mut rows = Vec::new();
    for p in files {
        let b = std::fs::read(&p).unwrap();
        let n = 200;
        let t = Instant::now();
        for _ in 0..n { std::hint::black_box(parser.parse(&b)); }
        let bare = t.elapsed().as_secs_f64() / n as f64;
        let t = Instant::now();
        let mut fmt = "";
        for _ in 0..n { let f = dix_client::bounce::parse_bytes(&b, "x"); fmt = f.first().map_or("-", |f| f.format); }
        let ours = t.elapsed().as_secs_f64() / n as f64;
        rows.push((ours - bare, ours, bare, fmt, p.file_name().unwrap().to_string_lossy().into_owned(), b.len()));
    }
    let total_ours: f64 = rows.iter().map(|r| r.1).sum();
    let total_bare: f64 = rows.iter().map(|r| r.2).sum();
    println!("total ours {:.1} ms bare {:.1} ms ratio {:.2}", total_ours*1e3, total_bare*1e3, total_bare/total_ours);
    let mut by_fmt = std::collections::BTreeMap::new();
    for r in &rows { let e = by_fmt.entry(r.3).or_insert((0.0, 0.0, 0)); e.0 += r.1; e.1 += r.2; e.2 += 1; }
    for (k, v) in by_fmt { println!("{k:10} n={:3} ours {:.2} ms bare {:.2} ms excess {:.2} ms", v.2, v.0*1e3, v.1*1e3, (v.0-v.1)*1e3); }
    rows.sort_by(|a, b| b.0.partial_cmp(&a.0).unwrap());
    for r in rows.iter().take(25) { println!("{:7.1}us ours {:7.1} bare {:7.1} {:10} {:7} {}", r.0*1e6, r.1*1e6, r.2*1e6, r.3, r.5, r.4); }
}
