//! Numbers in plain words, for every message a person reads: counts with the right noun
//! ("1 case", "3 cases") and sizes as people say them ("1.2 MB", not a count of bytes).

/// `n` and the noun that fits it: `count(1, "case", "cases")` is "1 case".
pub fn count(n: usize, one: &str, many: &str) -> String {
    if n == 1 {
        format!("1 {one}")
    } else {
        format!("{n} {many}")
    }
}

/// A size in bytes as people read it: "300 bytes", "64 KB", "1.2 MB". Units are of 1,024, as
/// the limits are set, so the 1 MiB note limit reads "1 MB".
pub fn size(bytes: usize) -> String {
    const UNITS: [&str; 4] = ["KB", "MB", "GB", "TB"];
    if bytes < 1024 {
        return count(bytes, "byte", "bytes");
    }
    let mut value = bytes as f64 / 1024.0;
    let mut unit = 0;
    while value >= 1024.0 && unit + 1 < UNITS.len() {
        value /= 1024.0;
        unit += 1;
    }
    // One decimal below ten ("1.2 MB"), none above ("64 KB"), and never a trailing ".0".
    let text = if value < 10.0 {
        format!("{value:.1}")
    } else {
        format!("{value:.0}")
    };
    let text = text.strip_suffix(".0").unwrap_or(&text);
    format!("{text} {}", UNITS[unit])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_take_the_noun_that_fits() {
        assert_eq!(count(0, "case", "cases"), "0 cases");
        assert_eq!(count(1, "case", "cases"), "1 case");
        assert_eq!(count(2, "person", "people"), "2 people");
    }

    #[test]
    fn sizes_read_as_people_say_them() {
        assert_eq!(size(1), "1 byte");
        assert_eq!(size(300), "300 bytes");
        assert_eq!(size(64 * 1024), "64 KB");
        assert_eq!(size(1024 * 1024), "1 MB");
        assert_eq!(size(1_258_291), "1.2 MB");
        assert_eq!(size(300), "300 bytes");
        assert_eq!(size(10 * 1024 * 1024), "10 MB");
    }
}
