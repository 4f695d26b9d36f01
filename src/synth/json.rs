//! A minimal streaming JSON writer over a byte buffer, and the timestamp formats CloudTrail
//! uses, written without allocation so that records can be produced at memory speed.

/// Appends compact JSON to a buffer, inserting commas itself.
///
/// Keys are written verbatim (they are static ASCII); string values are escaped.
pub(super) struct Json<'a> {
    buf: &'a mut Vec<u8>,
    comma: bool,
}

impl<'a> Json<'a> {
    /// A writer appending to `buf`.
    pub(super) fn new(buf: &'a mut Vec<u8>) -> Self {
        Json { buf, comma: false }
    }

    #[inline]
    fn sep(&mut self) {
        if self.comma {
            self.buf.push(b',');
        }
    }

    /// `{`
    #[inline]
    pub(super) fn obj(&mut self) {
        self.sep();
        self.buf.push(b'{');
        self.comma = false;
    }

    /// `}`
    #[inline]
    pub(super) fn end(&mut self) {
        self.buf.push(b'}');
        self.comma = true;
    }

    /// `[`
    #[inline]
    pub(super) fn arr(&mut self) {
        self.sep();
        self.buf.push(b'[');
        self.comma = false;
    }

    /// `]`
    #[inline]
    pub(super) fn end_arr(&mut self) {
        self.buf.push(b']');
        self.comma = true;
    }

    /// `"key":` (the key must need no escaping).
    #[inline]
    pub(super) fn key(&mut self, k: &str) {
        self.sep();
        self.buf.push(b'"');
        self.buf.extend_from_slice(k.as_bytes());
        self.buf.extend_from_slice(b"\":");
        self.comma = false;
    }

    /// A string value.
    #[inline]
    pub(super) fn str(&mut self, v: &str) {
        self.sep();
        escape_into(self.buf, v);
        self.comma = true;
    }

    /// An unsigned number.
    #[inline]
    pub(super) fn num(&mut self, v: u64) {
        self.sep();
        push_u64(self.buf, v);
        self.comma = true;
    }

    /// A boolean.
    #[inline]
    pub(super) fn bool(&mut self, v: bool) {
        self.sep();
        self.buf
            .extend_from_slice(if v { b"true" } else { b"false" });
        self.comma = true;
    }

    /// `null`.
    #[inline]
    pub(super) fn null(&mut self) {
        self.sep();
        self.buf.extend_from_slice(b"null");
        self.comma = true;
    }

    /// Already-serialised JSON.
    #[inline]
    pub(super) fn raw(&mut self, v: &[u8]) {
        self.sep();
        self.buf.extend_from_slice(v);
        self.comma = true;
    }

    /// `"key":"value"`.
    #[inline]
    pub(super) fn ks(&mut self, k: &str, v: &str) {
        self.key(k);
        self.str(v);
    }

    /// `"key":number`.
    #[inline]
    pub(super) fn kn(&mut self, k: &str, v: u64) {
        self.key(k);
        self.num(v);
    }

    /// `"key":bool`.
    #[inline]
    pub(super) fn kb(&mut self, k: &str, v: bool) {
        self.key(k);
        self.bool(v);
    }

    /// `"key":{`
    #[inline]
    pub(super) fn ko(&mut self, k: &str) {
        self.key(k);
        self.obj();
    }

    /// `"key":[`
    #[inline]
    pub(super) fn ka(&mut self, k: &str) {
        self.key(k);
        self.arr();
    }

    /// `"key":"<timestamp>"` in `YYYY-MM-DDTHH:MM:SSZ`.
    #[inline]
    pub(super) fn kt(&mut self, k: &str, t: i64) {
        self.key(k);
        self.sep();
        self.buf.push(b'"');
        push_iso(self.buf, t);
        self.buf.push(b'"');
        self.comma = true;
    }

    /// `"key":["a","b"]`.
    pub(super) fn kstrs(&mut self, k: &str, vs: &[&str]) {
        self.ka(k);
        for v in vs {
            self.str(v);
        }
        self.end_arr();
    }
}

/// Appends `v` as a JSON string literal.
pub(super) fn escape_into(buf: &mut Vec<u8>, v: &str) {
    buf.push(b'"');
    let bytes = v.as_bytes();
    if !bytes.iter().any(|&b| b < 0x20 || b == b'"' || b == b'\\') {
        buf.extend_from_slice(bytes);
    } else {
        for &b in bytes {
            match b {
                b'"' => buf.extend_from_slice(b"\\\""),
                b'\\' => buf.extend_from_slice(b"\\\\"),
                b'\n' => buf.extend_from_slice(b"\\n"),
                b'\r' => buf.extend_from_slice(b"\\r"),
                b'\t' => buf.extend_from_slice(b"\\t"),
                0..=0x1f => {
                    const HEX: &[u8] = b"0123456789abcdef";
                    buf.extend_from_slice(b"\\u00");
                    buf.push(HEX[(b >> 4) as usize]);
                    buf.push(HEX[(b & 0xf) as usize]);
                }
                _ => buf.push(b),
            }
        }
    }
    buf.push(b'"');
}

/// Appends the decimal form of `v`.
pub(super) fn push_u64(buf: &mut Vec<u8>, mut v: u64) {
    let mut tmp = [0u8; 20];
    let mut i = tmp.len();
    loop {
        i -= 1;
        tmp[i] = b'0' + (v % 10) as u8;
        v /= 10;
        if v == 0 {
            break;
        }
    }
    buf.extend_from_slice(&tmp[i..]);
}

/// Days since 1970-01-01 to (year, month, day), proleptic Gregorian.
pub(super) fn civil(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

fn push2(buf: &mut Vec<u8>, v: u32) {
    buf.push(b'0' + (v / 10) as u8);
    buf.push(b'0' + (v % 10) as u8);
}

/// Appends `t` (seconds since the epoch, UTC) as `YYYY-MM-DDTHH:MM:SSZ`.
pub(super) fn push_iso(buf: &mut Vec<u8>, t: i64) {
    let (y, m, d) = civil(t.div_euclid(86_400));
    let s = t.rem_euclid(86_400) as u32;
    push_u64(buf, y as u64);
    buf.push(b'-');
    push2(buf, m);
    buf.push(b'-');
    push2(buf, d);
    buf.push(b'T');
    push2(buf, s / 3600);
    buf.push(b':');
    push2(buf, s / 60 % 60);
    buf.push(b':');
    push2(buf, s % 60);
    buf.push(b'Z');
}

/// `t` as `YYYY-MM-DDTHH:MM:SSZ`.
pub(super) fn iso(t: i64) -> String {
    let mut b = Vec::with_capacity(20);
    push_iso(&mut b, t);
    String::from_utf8(b).unwrap_or_default()
}

/// `t` as CloudTrail prints Java dates in request and response bodies: `Jan 5, 2026, 9:03:12 AM`.
pub(super) fn java_date(t: i64) -> String {
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let (y, m, d) = civil(t.div_euclid(86_400));
    let s = t.rem_euclid(86_400);
    let (h, min, sec) = (s / 3600, s / 60 % 60, s % 60);
    let (h12, ampm) = match h {
        0 => (12, "AM"),
        1..=11 => (h, "AM"),
        12 => (12, "PM"),
        _ => (h - 12, "PM"),
    };
    format!(
        "{} {d}, {y}, {h12}:{min:02}:{sec:02} {ampm}",
        MONTHS[m as usize - 1]
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_compact_json() {
        let mut b = Vec::new();
        let mut j = Json::new(&mut b);
        j.obj();
        j.ks("a", "x\"y\\z\n");
        j.ka("b");
        j.num(1);
        j.obj();
        j.kb("c", true);
        j.end();
        j.null();
        j.end_arr();
        j.kt("t", 1_767_571_200);
        j.end();
        let s = String::from_utf8(b).unwrap();
        assert_eq!(
            s,
            r#"{"a":"x\"y\\z\n","b":[1,{"c":true},null],"t":"2026-01-05T00:00:00Z"}"#
        );
        let v: serde_json::Value = serde_json::from_str(&s).unwrap();
        assert_eq!(v["a"], "x\"y\\z\n");
    }

    #[test]
    fn dates_match_chrono() {
        for t in [
            0i64,
            951_782_400,
            1_767_571_200,
            1_767_657_599,
            4_102_444_800,
        ] {
            let c = chrono::DateTime::from_timestamp(t, 0).unwrap();
            assert_eq!(iso(t), c.format("%Y-%m-%dT%H:%M:%SZ").to_string());
            assert_eq!(
                java_date(t),
                c.format("%b %-d, %Y, %-I:%M:%S %p").to_string()
            );
        }
    }
}
