fn main() {
    let text = std::env::args().nth(1).unwrap();
    println!("{:?}", dix_client::bounce::classify::matching_rule(&text));
}
