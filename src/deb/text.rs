//! Text wrapping for the Debian formats: control descriptions, copyright and changelog lines
//! are folded at word boundaries to fit their columns.

/// Words of `text` in lines of at most `width` columns, words kept whole (a word longer
/// than a line gets a line of its own); white space between words becomes one space.
pub(crate) fn wrap_words(text: &str, width: usize) -> Vec<String> {
    let mut lines = Vec::new();
    let mut line = String::new();
    let mut len = 0;
    for word in text.split_whitespace() {
        let n = word.chars().count();
        if len > 0 && len + 1 + n > width {
            lines.push(std::mem::take(&mut line));
            len = 0;
        }
        if len > 0 {
            line.push(' ');
            len += 1;
        }
        line.push_str(word);
        len += n;
    }
    if !line.is_empty() {
        lines.push(line);
    }
    lines
}
