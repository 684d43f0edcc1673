//! What `dix scan` reads, in the order it happened: paths expanded into
//! files (directories walked), each rotated series oldest first, gzip
//! opened whatever the file is called, and each file told apart as a log
//! or as mail by its first lines.
//!
//! A gzip file that grows past [`BOMB_RATIO`] times the bytes read from
//! disk (once past [`BOMB_FLOOR`]) is refused as a decompression bomb: real
//! logs and mailboxes compress ten to twenty times, a gigabyte of zeros a
//! thousand.

use std::fs::File;
use std::io::{BufReader, Read};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use flate2::read::MultiGzDecoder;

use crate::bounce::batch::{self, ReadError};

/// Expands paths into files (`-` is standard input) and puts each rotated
/// series in the order it was written: `maillog.3.gz maillog.2.gz
/// maillog.1 maillog`, `maillog-20261130.gz maillog-20261201 maillog`.
/// Other files keep their order.
pub fn expand(paths: &[PathBuf]) -> (Vec<PathBuf>, Vec<ReadError>) {
    let (files, errors) = batch::expand(paths);
    (chronological(files), errors)
}

/// A rotated file's series (its directory and base name) and its age rank
/// there: higher is newer.
fn rotation(path: &Path) -> (PathBuf, String, i64) {
    let dir = path.parent().map(Path::to_path_buf).unwrap_or_default();
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let name = name.strip_suffix(".gz").unwrap_or(&name).to_owned();
    // logrotate's numbered `NAME.N`: N = 1 is the newest rotated file.
    if let Some((base, n)) = name.rsplit_once('.')
        && let Ok(n) = n.parse::<i64>()
        && n < 100_000
    {
        return (dir, base.to_owned(), -n);
    }
    // logrotate's dateext `NAME-YYYYMMDD[HH]`: later dates are newer.
    if let Some((base, date)) = name.rsplit_once('-')
        && (8..=10).contains(&date.len())
        && let Ok(date) = date.parse::<i64>()
    {
        return (dir, base.to_owned(), date - 1_000_000_000_000);
    }
    // The live file is the newest of its series.
    (dir, name, 0)
}

fn chronological(files: Vec<PathBuf>) -> Vec<PathBuf> {
    // Series in the order they first appear; files ordered within each.
    let mut keyed: Vec<(usize, i64, usize, PathBuf)> = Vec::with_capacity(files.len());
    let mut series: Vec<(PathBuf, String)> = Vec::new();
    for (position, file) in files.into_iter().enumerate() {
        let (dir, base, age) = rotation(&file);
        let index = match series.iter().position(|s| s.0 == dir && s.1 == base) {
            Some(i) => i,
            None => {
                series.push((dir, base));
                series.len() - 1
            }
        };
        keyed.push((index, age, position, file));
    }
    keyed.sort_by_key(|(series, age, position, _)| (*series, *age, *position));
    keyed.into_iter().map(|(.., file)| file).collect()
}

/// Decompressed bytes allowed per byte read from disk.
pub const BOMB_RATIO: u64 = 200;
/// Decompressed bytes always allowed, whatever the ratio.
pub const BOMB_FLOOR: u64 = 16 * 1024 * 1024;

/// Opens a file (or stdin) as its bytes, decompressed where they are
/// gzip (known by their magic bytes, not the file's name), and refused
/// past [`BOMB_RATIO`]. `counted` is told how many bytes were read from the
/// file itself.
pub fn open(
    path: &Path,
    counted: impl Fn(u64) + Send + 'static,
) -> std::io::Result<Box<dyn Read + Send>> {
    let raw: Box<dyn Read + Send> = if path == Path::new("-") {
        Box::new(std::io::stdin())
    } else {
        Box::new(File::open(path)?)
    };
    let read_from_disk = Arc::new(AtomicU64::new(0));
    let mut raw = BufReader::with_capacity(
        256 * 1024,
        Counting {
            inner: raw,
            counted,
            total: read_from_disk.clone(),
        },
    );
    let gzip = {
        use std::io::BufRead;
        raw.fill_buf()?.starts_with(&[0x1f, 0x8b])
    };
    Ok(if gzip {
        Box::new(BombGuard {
            inner: MultiGzDecoder::new(raw),
            read_from_disk,
            out: 0,
        })
    } else {
        Box::new(raw)
    })
}

struct Counting<R, F> {
    inner: R,
    counted: F,
    total: Arc<AtomicU64>,
}

impl<R: Read, F: Fn(u64)> Read for Counting<R, F> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        (self.counted)(n as u64);
        self.total.fetch_add(n as u64, Ordering::Relaxed);
        Ok(n)
    }
}

/// Decompressed bytes, refused once they outgrow what was read from disk
/// by more than [`BOMB_RATIO`].
struct BombGuard<R> {
    inner: R,
    read_from_disk: Arc<AtomicU64>,
    out: u64,
}

impl<R: Read> Read for BombGuard<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.out += n as u64;
        let read = self.read_from_disk.load(Ordering::Relaxed);
        if self.out > BOMB_FLOOR && self.out > read.saturating_mul(BOMB_RATIO) {
            return Err(std::io::Error::new(
                std::io::ErrorKind::InvalidData,
                format!(
                    "refused as a decompression bomb: {} MiB came out of {} KiB of gzip, more than {BOMB_RATIO} times (a real log or mailbox compresses 10 to 20 times)",
                    self.out / (1024 * 1024),
                    read / 1024
                ),
            ));
        }
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rotated_series_are_read_oldest_first() {
        let files: Vec<PathBuf> = [
            "/var/log/maillog",
            "/var/log/maillog.1",
            "/var/log/maillog.10.gz",
            "/var/log/maillog.2.gz",
            "/var/log/exim/mainlog-20261201",
            "/var/log/exim/mainlog-20261130.gz",
            "/var/log/exim/mainlog",
            "bounces.mbox",
        ]
        .iter()
        .map(PathBuf::from)
        .collect();
        let ordered: Vec<String> = chronological(files)
            .iter()
            .map(|p| p.display().to_string())
            .collect();
        assert_eq!(
            ordered,
            [
                "/var/log/maillog.10.gz",
                "/var/log/maillog.2.gz",
                "/var/log/maillog.1",
                "/var/log/maillog",
                "/var/log/exim/mainlog-20261130.gz",
                "/var/log/exim/mainlog-20261201",
                "/var/log/exim/mainlog",
                "bounces.mbox",
            ]
        );
    }
}
