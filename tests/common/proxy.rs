//! A fault-injecting HTTP proxy on loopback, between pins and the S3 test server. Each test
//! starts its own and arms faults: a rule matches a request by method and a piece of its target
//! (`partNumber=2`, `uploadId=`, `/dev-code/`) and applies its fault to the next `times` matches;
//! every other request is forwarded as it is.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// What the proxy does to a matching request.
#[derive(Debug, Clone)]
pub enum Fault {
    /// Answer this status with an S3 error body of this code, without forwarding.
    Status(u16, &'static str),
    /// Read half the request body, then cut the connection (nothing forwarded).
    ResetRequest,
    /// Forward, then send the answer's head and half its body, then cut the connection.
    ResetResponse,
    /// Forward, then send the head and half the body, then close cleanly (a short body).
    Truncate,
    /// Forward, then drop the connection without answering (the answer is lost).
    LoseResponse,
    /// Wait this long before doing anything, then drop the connection.
    Stall(Duration),
}

struct Rule {
    method: &'static str,
    target: String,
    fault: Fault,
    times: usize,
}

/// A running proxy; it lives as long as the test process.
#[derive(Clone)]
pub struct Proxy {
    pub url: String,
    rules: Arc<Mutex<Vec<Rule>>>,
    log: Arc<Mutex<Vec<String>>>,
}

impl Proxy {
    /// A proxy in front of `upstream` (`http://127.0.0.1:PORT`).
    pub fn start(upstream: &str) -> Proxy {
        let upstream = upstream.trim_start_matches("http://").trim_end_matches('/').to_string();
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let proxy = Proxy {
            url: format!("http://{}", listener.local_addr().unwrap()),
            rules: Arc::default(),
            log: Arc::default(),
        };
        let shared = proxy.clone();
        std::thread::spawn(move || {
            for client in listener.incoming().flatten() {
                let (proxy, upstream) = (shared.clone(), upstream.clone());
                std::thread::spawn(move || proxy.serve(client, &upstream));
            }
        });
        proxy
    }

    /// Applies `fault` to the next `times` requests with this method whose target holds `target`.
    pub fn arm(&self, method: &'static str, target: &str, fault: Fault, times: usize) {
        self.rules.lock().unwrap().push(Rule {
            method,
            target: target.to_string(),
            fault,
            times,
        });
    }

    /// Removes every rule.
    pub fn clear(&self) {
        self.rules.lock().unwrap().clear();
    }

    /// How many faults were applied so far: "METHOD target" of each.
    pub fn applied(&self) -> Vec<String> {
        self.log.lock().unwrap().clone()
    }

    fn take(&self, method: &str, target: &str) -> Option<Fault> {
        let mut rules = self.rules.lock().unwrap();
        let rule = rules
            .iter_mut()
            .find(|r| r.times > 0 && r.method == method && target.contains(&r.target))?;
        rule.times -= 1;
        self.log
            .lock()
            .unwrap()
            .push(format!("{method} {target} {:?}", rule.fault));
        Some(rule.fault.clone())
    }

    fn serve(&self, client: TcpStream, upstream: &str) {
        let mut reader = BufReader::new(client.try_clone().unwrap());
        let mut client = client;
        loop {
            let Some((head, method, target, length)) = read_head(&mut reader) else {
                return;
            };
            let fault = self.take(&method, &target);
            if let Some(Fault::ResetRequest) = fault {
                let mut half = vec![0; length / 2];
                let _ = reader.read_exact(&mut half);
                return reset(client);
            }
            let mut body = vec![0; length];
            if reader.read_exact(&mut body).is_err() {
                return;
            }
            match fault {
                Some(Fault::Status(status, code)) => {
                    let text = format!("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>{code}</Code><Message>injected by the test proxy</Message></Error>");
                    let answer = format!(
                        "HTTP/1.1 {status} Injected\r\ncontent-type: application/xml\r\ncontent-length: {}\r\n\r\n{text}",
                        text.len()
                    );
                    if client.write_all(answer.as_bytes()).is_err() {
                        return;
                    }
                    continue;
                }
                Some(Fault::Stall(wait)) => {
                    std::thread::sleep(wait);
                    return reset(client);
                }
                _ => {}
            }
            let Some(answer) = forward(upstream, &head, &body) else {
                return reset(client);
            };
            let (answer_head, answer_body) = split_answer(&answer, &method);
            match fault {
                Some(Fault::LoseResponse) => return reset(client),
                Some(Fault::ResetResponse) | Some(Fault::Truncate) => {
                    let _ = client.write_all(answer_head);
                    let _ = client.write_all(answer_body.get(..answer_body.len() / 2).unwrap_or_default());
                    let _ = client.flush();
                    std::thread::sleep(Duration::from_millis(50));
                    if let Some(Fault::Truncate) = fault {
                        let _ = client.shutdown(Shutdown::Both);
                        return;
                    }
                    return reset(client);
                }
                _ => {
                    if client.write_all(&answer).is_err() {
                        return;
                    }
                }
            }
        }
    }
}

/// Reads one request head: its bytes (with `connection: close` for the upstream), method,
/// target and body length.
fn read_head(reader: &mut BufReader<TcpStream>) -> Option<(Vec<u8>, String, String, usize)> {
    let mut first = String::new();
    if reader.read_line(&mut first).ok()? == 0 {
        return None;
    }
    let mut parts = first.split_whitespace();
    let method = parts.next()?.to_string();
    let target = parts.next()?.to_string();
    let mut head = first.clone().into_bytes();
    let mut length = 0;
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).ok()? == 0 {
            return None;
        }
        if line == "\r\n" {
            break;
        }
        let lower = line.to_ascii_lowercase();
        if lower.starts_with("connection:") {
            continue;
        }
        if let Some(value) = lower.strip_prefix("content-length:") {
            length = value.trim().parse().ok()?;
        }
        head.extend_from_slice(line.as_bytes());
    }
    head.extend_from_slice(b"connection: close\r\n\r\n");
    Some((head, method, target, length))
}

/// Sends the request upstream and reads the whole answer.
fn forward(upstream: &str, head: &[u8], body: &[u8]) -> Option<Vec<u8>> {
    let mut server = TcpStream::connect(upstream).ok()?;
    server.write_all(head).ok()?;
    server.write_all(body).ok()?;
    let mut answer = Vec::new();
    server.read_to_end(&mut answer).ok()?;
    // The answer goes back on a kept-alive connection: drop the server's `connection: close`.
    let end = find(&answer, b"\r\n\r\n")? + 4;
    let head = String::from_utf8_lossy(answer.get(..end)?).to_string();
    let kept: String = head
        .split_inclusive("\r\n")
        .filter(|l| !l.to_ascii_lowercase().starts_with("connection:"))
        .collect();
    let mut out = kept.into_bytes();
    out.extend_from_slice(answer.get(end..)?);
    Some(out)
}

fn split_answer<'a>(answer: &'a [u8], method: &str) -> (&'a [u8], &'a [u8]) {
    let end = find(answer, b"\r\n\r\n").map_or(answer.len(), |i| i + 4);
    let (head, body) = answer.split_at(end);
    if method == "HEAD" {
        (head, &[])
    } else {
        (head, body)
    }
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

/// Drops the connection in the middle of a message (std cannot send a TCP RST without
/// `set_linger`, which is unstable; to the client both are a connection cut mid-message).
fn reset(stream: TcpStream) {
    let _ = stream.shutdown(Shutdown::Both);
}
