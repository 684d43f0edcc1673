use mail_parser::{MessageParser, MimeHeaders, PartType};
fn main() {
    let path = std::env::args().nth(1).unwrap();
    let bytes = std::fs::read(path).unwrap();
    let msg = MessageParser::default().parse(&bytes).unwrap();
    for (i, p) in msg.parts.iter().enumerate() {
        let kind = match &p.body { PartType::Text(_) => "text", PartType::Html(_) => "html", PartType::Binary(_) => "binary", PartType::InlineBinary(_) => "inline", PartType::Message(_) => "message", PartType::Multipart(_) => "multipart" };
        println!("{i} {kind} {:?} {:?} len={}", p.content_type().map(|c| c.ctype().to_owned()), p.content_type().and_then(|c| c.subtype().map(str::to_owned)), p.contents().len());
    }
    println!("text_body={:?} html={:?}", msg.text_body, msg.html_body);
}
