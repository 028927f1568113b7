//! The files of the control member, kept while it streams by: control, md5sums (parsed
//! line by line), conffiles and the maintainer scripts.

use super::{digest, kib, normalize, Deb, ScriptFile, MAX_SMALL_FILE};
use crate::deb::limits;
use crate::deb::reader::{TarEntry, TarKind};
use std::collections::HashMap;
use std::io::{self, BufRead, BufReader, Read};

/// Maintainer scripts dpkg runs.
const SCRIPTS: &[&str] = crate::deb::SCRIPT_NAMES;

impl Deb {
    pub(super) fn control_entry(
        &mut self,
        path: &str,
        entry: &TarEntry,
        tar: &mut dyn Read,
    ) -> io::Result<()> {
        if entry.kind != TarKind::File {
            return Ok(());
        }
        let kept = path == "control" || SCRIPTS.contains(&path);
        if kept && entry.size > limits::MAX_CONTROL_FILE {
            // inspect and index stop at the same limit, with the same words.
            return Err(limits::limit(format!(
                "the control file {path:?} of {} exceeds pluginctl's {} limit; it was not checked",
                limits::size_text(entry.size),
                limits::size_text(limits::MAX_CONTROL_FILE)
            )));
        }
        if !matches!(path, "control" | "md5sums") {
            self.control_kib += kib(entry.size);
        }
        match path {
            "control" => {
                let (_, bytes) = digest(tar, limits::MAX_CONTROL_FILE)?;
                self.control = Some(bytes);
            }
            "md5sums" => self.md5sums = Some(self.read_md5sums(tar)?),
            "conffiles" => {
                let (_, bytes) = digest(tar, MAX_SMALL_FILE)?;
                // `/etc/x`, or `remove-on-upgrade /etc/x` (dpkg 1.20.1): the path is the
                // last word.
                self.conffiles = String::from_utf8_lossy(&bytes)
                    .lines()
                    .filter_map(|l| l.split_whitespace().last())
                    .map(|p| normalize(p).to_string())
                    .collect();
            }
            name if SCRIPTS.contains(&name) => {
                let (_, bytes) = digest(tar, limits::MAX_CONTROL_FILE)?;
                // A duplicated entry replaces the first, as it would on unpacking.
                self.scripts.retain(|s| s.name != name);
                self.scripts.push(ScriptFile {
                    name: name.to_string(),
                    mode: entry.mode,
                    bytes,
                });
            }
            _ => {}
        }
        Ok(())
    }

    /// Parses md5sums line by line; syntax problems are kept as pending findings.
    fn read_md5sums(&mut self, r: &mut dyn Read) -> io::Result<HashMap<String, [u8; 16]>> {
        let mut sums = HashMap::new();
        let mut bad: Vec<usize> = Vec::new();
        let mut reader = BufReader::new(r);
        let mut line = Vec::new();
        let mut line_no = 0;
        loop {
            line.clear();
            // A line longer than a path can be is cut; the rest is read as the next "line".
            let n = (&mut reader).take(8192).read_until(b'\n', &mut line)?;
            if n == 0 {
                break;
            }
            line_no += 1;
            let text = String::from_utf8_lossy(&line);
            let text = text.strip_suffix('\n').unwrap_or(&text);
            match parse_md5_line(text) {
                Some((digest, path)) => {
                    sums.insert(normalize(path).to_string(), digest);
                }
                None => bad.push(line_no),
            }
        }
        if let Some(&first) = bad.first() {
            let what = match bad.len() {
                1 => "a malformed line".to_string(),
                n => format!("{n} malformed lines, the first here"),
            };
            self.md5sums_syntax = Some((first, what));
        }
        Ok(sums)
    }
}

/// `<32 hex>  <path>` (or `<32 hex> *<path>`, binary mode) -> (digest, path).
pub(super) fn parse_md5_line(line: &str) -> Option<([u8; 16], &str)> {
    let hex = line.get(..32)?;
    let sep = line.get(32..34)?;
    let path = line.get(34..)?;
    if !(sep == "  " || sep == " *") || path.is_empty() {
        return None;
    }
    let mut digest = [0u8; 16];
    for (i, byte) in digest.iter_mut().enumerate() {
        let pair = hex.get(2 * i..2 * i + 2)?;
        if !pair
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
        {
            return None;
        }
        *byte = u8::from_str_radix(pair, 16).ok()?;
    }
    Some((digest, path))
}
