//! A minimal TLS 1.0 or 1.1 ClientHello, written by hand because rustls
//! cannot offer those versions, and the reading of the server's first
//! reply. Only the ServerHello's version is needed, so the handshake stops
//! there and no key is ever agreed.

use std::io::{self, Read, Write};

/// A legacy TLS version.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Legacy {
    /// TLS 1.0 (wire version 3.1).
    Tls10,
    /// TLS 1.1 (wire version 3.2).
    Tls11,
}

impl Legacy {
    /// The wire version.
    fn wire(self) -> [u8; 2] {
        match self {
            Legacy::Tls10 => [3, 1],
            Legacy::Tls11 => [3, 2],
        }
    }

    /// The version's name.
    pub fn name(self) -> &'static str {
        match self {
            Legacy::Tls10 => "TLS 1.0",
            Legacy::Tls11 => "TLS 1.1",
        }
    }
}

/// What the server did with the ClientHello.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reply {
    /// The server sent a ServerHello for the offered version, or an even
    /// older one.
    Accepted(String),
    /// The server sent an alert or closed the connection instead.
    Refused(String),
    /// The reply says nothing about the version: a timeout, data that is
    /// not TLS, a ServerHello for a version that was not offered.
    Unclear(String),
}

/// Cipher suites a TLS 1.0 client offers: ECDHE and DHE with AES-CBC, plain
/// RSA key exchange, 3DES, and the renegotiation SCSV. Offering this wide
/// set means a refusal is about the version, not a missing cipher.
const SUITES: [u16; 13] = [
    0xc00a, 0xc009, 0xc014, 0xc013, 0x0039, 0x0033, 0x0035, 0x002f, 0xc012, 0xc008, 0x0016, 0x000a,
    0x00ff,
];

/// Named groups for ECDHE: x25519, secp256r1, secp384r1.
const GROUPS: [u16; 3] = [0x001d, 0x0017, 0x0018];

/// Builds the ClientHello record. `server_name` is sent as SNI; address
/// literals carry none, as RFC 6066 requires.
pub fn client_hello(version: Legacy, random: [u8; 32], server_name: Option<&str>) -> Vec<u8> {
    let mut body = Vec::new();
    body.extend_from_slice(&version.wire());
    body.extend_from_slice(&random);
    body.push(0); // no session ID
    push_u16(&mut body, (SUITES.len() * 2) as u16);
    for suite in SUITES {
        push_u16(&mut body, suite);
    }
    body.extend_from_slice(&[1, 0]); // null compression only

    let mut extensions = Vec::new();
    if let Some(name) = server_name {
        let name = name.as_bytes();
        let mut entry = vec![0u8]; // host_name
        push_u16(&mut entry, name.len() as u16);
        entry.extend_from_slice(name);
        let mut list = Vec::new();
        push_u16(&mut list, entry.len() as u16);
        list.extend_from_slice(&entry);
        push_extension(&mut extensions, 0x0000, &list);
    }
    let mut groups = Vec::new();
    push_u16(&mut groups, (GROUPS.len() * 2) as u16);
    for group in GROUPS {
        push_u16(&mut groups, group);
    }
    push_extension(&mut extensions, 0x000a, &groups);
    push_extension(&mut extensions, 0x000b, &[1, 0]); // uncompressed points
    push_u16(&mut body, extensions.len() as u16);
    body.extend_from_slice(&extensions);

    let mut handshake = vec![1u8]; // client_hello
    handshake.extend_from_slice(&(body.len() as u32).to_be_bytes()[1..]);
    handshake.extend_from_slice(&body);

    // Record-layer version 3.1 for both, as clients of that era sent.
    let mut record = vec![22u8, 3, 1];
    push_u16(&mut record, handshake.len() as u16);
    record.extend_from_slice(&handshake);
    record
}

fn push_u16(out: &mut Vec<u8>, value: u16) {
    out.extend_from_slice(&value.to_be_bytes());
}

fn push_extension(out: &mut Vec<u8>, kind: u16, data: &[u8]) {
    push_u16(out, kind);
    push_u16(out, data.len() as u16);
    out.extend_from_slice(data);
}

/// Sends the ClientHello on `stream` and reads the server's first record.
pub fn offer(
    stream: &mut (impl Read + Write),
    version: Legacy,
    random: [u8; 32],
    server_name: Option<&str>,
) -> Reply {
    let hello = client_hello(version, random, server_name);
    if let Err(error) = stream.write_all(&hello).and_then(|()| stream.flush()) {
        return closed_or_unclear(&error);
    }
    let mut header = [0u8; 5];
    if let Err(error) = stream.read_exact(&mut header) {
        return closed_or_unclear(&error);
    }
    let length = usize::from(u16::from_be_bytes([header[3], header[4]]));
    // The first bytes of a ServerHello or an alert are all that matter.
    let mut first = vec![0u8; length.min(6)];
    if let Err(error) = stream.read_exact(&mut first) {
        return closed_or_unclear(&error);
    }
    read_reply(version, header[0], &first)
}

fn closed_or_unclear(error: &io::Error) -> Reply {
    match error.kind() {
        io::ErrorKind::UnexpectedEof
        | io::ErrorKind::ConnectionReset
        | io::ErrorKind::ConnectionAborted
        | io::ErrorKind::BrokenPipe => {
            Reply::Refused("the server closed the connection without a ServerHello".to_string())
        }
        io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut => {
            Reply::Unclear("no reply before the timeout".to_string())
        }
        _ => Reply::Unclear(error.to_string()),
    }
}

/// Reads the start of the first record: its content type and up to six
/// bytes of its body.
fn read_reply(version: Legacy, content_type: u8, first: &[u8]) -> Reply {
    match (content_type, first) {
        (21, [_level, description, ..]) => Reply::Refused(format!(
            "the server sent alert {} ({description})",
            alert_name(*description)
        )),
        (22, [2, _, _, _, major, minor]) => {
            let chosen = [*major, *minor];
            if chosen == version.wire() {
                Reply::Accepted(format!("the server negotiated {}", version.name()))
            } else if chosen[0] == 3 && chosen < version.wire() {
                Reply::Accepted(format!(
                    "the server negotiated an even older version ({major}.{minor} on the wire)"
                ))
            } else {
                Reply::Unclear(format!(
                    "the server chose wire version {major}.{minor}, which was not offered"
                ))
            }
        }
        _ => Reply::Unclear(format!(
            "the reply is not a TLS ServerHello or alert (record type {content_type})"
        )),
    }
}

fn alert_name(description: u8) -> &'static str {
    match description {
        40 => "handshake_failure",
        47 => "illegal_parameter",
        70 => "protocol_version",
        71 => "insufficient_security",
        80 => "internal_error",
        112 => "unrecognized_name",
        _ => "other",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A stream that returns canned bytes and records what was written.
    struct Canned {
        reply: io::Cursor<Vec<u8>>,
        written: Vec<u8>,
    }

    impl Read for Canned {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            self.reply.read(buf)
        }
    }

    impl Write for Canned {
        fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
            self.written.extend_from_slice(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }

    fn reply_to(version: Legacy, bytes: &[u8]) -> (Reply, Vec<u8>) {
        let mut stream = Canned {
            reply: io::Cursor::new(bytes.to_vec()),
            written: Vec::new(),
        };
        let reply = offer(&mut stream, version, [7; 32], Some("gw.example.com"));
        (reply, stream.written)
    }

    #[test]
    fn hello_is_well_formed() {
        let hello = client_hello(Legacy::Tls11, [9; 32], Some("gw.example.com"));
        assert_eq!(&hello[..3], &[22, 3, 1], "handshake record");
        let record_length = usize::from(u16::from_be_bytes([hello[3], hello[4]]));
        assert_eq!(record_length, hello.len() - 5);
        assert_eq!(hello[5], 1, "client_hello");
        let body_length = u32::from_be_bytes([0, hello[6], hello[7], hello[8]]) as usize;
        assert_eq!(body_length, hello.len() - 9);
        assert_eq!(&hello[9..11], &[3, 2], "client version 1.1");
        assert_eq!(&hello[11..43], &[9; 32]);
        let sni = b"gw.example.com";
        assert!(hello.windows(sni.len()).any(|w| w == sni), "SNI present");
    }

    #[test]
    fn address_literal_sends_no_sni() {
        let with = client_hello(Legacy::Tls10, [0; 32], Some("a.example"));
        let without = client_hello(Legacy::Tls10, [0; 32], None);
        assert!(without.len() < with.len());
    }

    #[test]
    fn server_hello_for_the_offer_is_acceptance() {
        let (reply, written) = reply_to(Legacy::Tls10, &[22, 3, 1, 0, 6, 2, 0, 0, 70, 3, 1]);
        assert!(matches!(reply, Reply::Accepted(_)), "{reply:?}");
        assert_eq!(written[0], 22, "the ClientHello went out");
    }

    #[test]
    fn older_version_is_acceptance() {
        let (reply, _) = reply_to(Legacy::Tls11, &[22, 3, 0, 0, 6, 2, 0, 0, 70, 3, 0]);
        assert!(matches!(reply, Reply::Accepted(_)), "{reply:?}");
    }

    #[test]
    fn protocol_version_alert_is_refusal() {
        let (reply, _) = reply_to(Legacy::Tls10, &[21, 3, 1, 0, 2, 2, 70]);
        assert_eq!(
            reply,
            Reply::Refused("the server sent alert protocol_version (70)".to_string())
        );
    }

    #[test]
    fn close_is_refusal() {
        let (reply, _) = reply_to(Legacy::Tls10, &[]);
        assert!(matches!(reply, Reply::Refused(_)), "{reply:?}");
    }

    #[test]
    fn other_replies_are_unclear() {
        let (http, _) = reply_to(Legacy::Tls10, b"HTTP/1.1 400 Bad Request\r\n\r\n");
        assert!(matches!(http, Reply::Unclear(_)), "{http:?}");
        let (newer, _) = reply_to(Legacy::Tls10, &[22, 3, 3, 0, 6, 2, 0, 0, 70, 3, 3]);
        assert!(matches!(newer, Reply::Unclear(_)), "{newer:?}");
    }
}
