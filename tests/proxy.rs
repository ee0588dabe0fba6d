//! Through an HTTP CONNECT proxy (`--proxy`, `HTTPS_PROXY`, `NO_PROXY`): issuance from real
//! pebble through a tiny proxy written here, which resolves every name to 127.0.0.1 and counts
//! its tunnels. Pebble serves a certificate for a name under `.invalid`, which the host's
//! resolver can never answer: only the proxy can reach it, so a run that succeeds went through
//! the proxy and nowhere else.

mod common;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::Duration;

use common::{acmebox, acmebox_env, cert_names, snapshot, Client, Run};
use serde_json::Value;
use testbed::{test_names, Testbed};

/// The name pebble's certificate is for, which only the proxy can resolve.
const PROXIED: &str = "acme.proxied.invalid";

/// A CONNECT proxy on a free loopback port: a thread per connection, tunnels to 127.0.0.1 on
/// the requested port (whatever the name), bytes piped both ways. With `refuse`, it answers
/// that status line to every CONNECT instead.
struct ConnectProxy {
    port: u16,
    /// The request line of every CONNECT received.
    requests: Arc<Mutex<Vec<String>>>,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl ConnectProxy {
    fn start(refuse: Option<&'static str>) -> ConnectProxy {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind the proxy");
        let port = listener.local_addr().expect("proxy address").port();
        let requests = Arc::new(Mutex::new(Vec::new()));
        let stop = Arc::new(AtomicBool::new(false));
        let (seen, stopped) = (requests.clone(), stop.clone());
        let thread = std::thread::spawn(move || {
            for client in listener.incoming() {
                if stopped.load(Ordering::SeqCst) {
                    break;
                }
                let Ok(client) = client else { continue };
                let seen = seen.clone();
                std::thread::spawn(move || tunnel(client, &seen, refuse));
            }
        });
        ConnectProxy {
            port,
            requests,
            stop,
            thread: Some(thread),
        }
    }

    fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    fn tunnels(&self) -> Vec<String> {
        self.requests.lock().expect("proxy log").clone()
    }
}

impl Drop for ConnectProxy {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        let _ = TcpStream::connect(("127.0.0.1", self.port));
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// Serve one client: read the CONNECT head (bounded), then refuse or tunnel.
fn tunnel(client: TcpStream, seen: &Mutex<Vec<String>>, refuse: Option<&str>) {
    let _ = client.set_read_timeout(Some(Duration::from_secs(30)));
    let Ok(reader) = client.try_clone() else {
        return;
    };
    let mut reader = BufReader::new(reader.take(16 * 1024));
    let mut line = String::new();
    if reader.read_line(&mut line).is_err() || line.is_empty() {
        return;
    }
    seen.lock()
        .expect("proxy log")
        .push(line.trim_end().to_string());
    loop {
        let mut header = String::new();
        match reader.read_line(&mut header) {
            Ok(n) if n > 0 && !header.trim_end().is_empty() => {}
            _ => break,
        }
    }
    let mut client = client;
    let target = line.split(' ').nth(1).unwrap_or("");
    let port = target
        .rsplit(':')
        .next()
        .and_then(|p| p.parse::<u16>().ok());
    let upstream = port.and_then(|p| TcpStream::connect(("127.0.0.1", p)).ok());
    let (Some(upstream), None) = (upstream, refuse) else {
        let status = refuse.unwrap_or("502 Bad Gateway");
        let answer = format!("HTTP/1.1 {status}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
        let _ = client.write_all(answer.as_bytes());
        return;
    };
    if client
        .write_all(b"HTTP/1.1 200 Connection established\r\n\r\n")
        .is_err()
    {
        return;
    }
    let _ = client.set_read_timeout(None);
    let (Ok(mut to_server), Ok(mut from_server)) = (upstream.try_clone(), upstream.try_clone())
    else {
        return;
    };
    // Bytes the client sent after its head (none: it waits for the 200) are in the buffer.
    let early = reader.buffer().to_vec();
    let mut from_client = reader.into_inner().into_inner();
    let up = std::thread::spawn(move || {
        let _ = to_server.write_all(&early);
        let _ = std::io::copy(&mut from_client, &mut to_server);
        let _ = to_server.shutdown(Shutdown::Write);
    });
    let _ = std::io::copy(&mut from_server, &mut client);
    let _ = client.shutdown(Shutdown::Write);
    let _ = up.join();
}

fn testbed_for(names: Option<&[&str]>) -> Testbed {
    let builder = Testbed::builder();
    let builder = match names {
        Some(names) => builder.tls_names(names),
        None => builder,
    };
    builder
        .start()
        .expect("start pebble (run scripts/setup first)")
}

/// Runs acmebox -nN for one name against `directory` with `extra` options and environment.
fn issue(
    bed: &Testbed,
    client: &Client,
    directory: &str,
    extra: &[&str],
    env: &[(&str, &str)],
) -> Run {
    let mut args: Vec<String> = ["-nN"].iter().chain(extra).map(|s| s.to_string()).collect();
    args.extend(client.args(bed, directory));
    args.extend(test_names(1));
    acmebox_env(&args, env)
}

#[test]
fn issuance_goes_through_the_proxy_and_only_through_it() {
    let bed = testbed_for(Some(&[PROXIED]));
    let client = Client::new();
    let proxy = ConnectProxy::start(None);
    let directory = format!("https://{PROXIED}:{}/dir", bed.acme_port());

    // Without the proxy the host cannot even resolve the server's name.
    let direct = issue(&bed, &client, &directory, &[], &[]);
    direct.expect_code(1);
    assert!(direct.stderr.contains(PROXIED), "{}", direct.stderr);

    let through = [("HTTPS_PROXY", proxy.url())];
    let env: Vec<(&str, &str)> = through.iter().map(|(k, v)| (*k, v.as_str())).collect();
    issue(&bed, &client, &directory, &[], &env).expect_code(0);
    assert_eq!(
        cert_names(&client.certs.join("cert.pem")),
        test_names(1),
        "installed"
    );
    let tunnels = proxy.tunnels();
    assert!(!tunnels.is_empty(), "the proxy saw no tunnel");
    let want = format!("CONNECT {PROXIED}:{} HTTP/1.1", bed.acme_port());
    assert!(
        tunnels.iter().all(|t| *t == want),
        "every tunnel goes to pebble by its name: {tunnels:?}"
    );
}

#[test]
fn no_proxy_covering_the_server_means_no_tunnel() {
    let bed = testbed_for(None);
    let client = Client::new();
    let proxy = ConnectProxy::start(None);
    let url = proxy.url();
    // Control: HTTPS_PROXY alone sends the run through the proxy.
    issue(
        &bed,
        &client,
        &bed.directory_url(),
        &["-F"],
        &[("HTTPS_PROXY", &url)],
    )
    .expect_code(0);
    let through = proxy.tunnels().len();
    assert!(through > 0, "HTTPS_PROXY was not used");

    let env = [
        ("HTTPS_PROXY", url.as_str()),
        ("NO_PROXY", "other.test, localhost"),
    ];
    issue(&bed, &client, &bed.directory_url(), &["-F"], &env).expect_code(0);
    assert_eq!(proxy.tunnels().len(), through, "NO_PROXY was not honoured");
}

#[test]
fn a_proxy_refusing_the_tunnel_fails_naming_the_proxy_and_its_status() {
    let bed = testbed_for(None);
    let client = Client::new();
    let proxy = ConnectProxy::start(Some("403 Forbidden"));
    let run = issue(
        &bed,
        &client,
        &bed.directory_url(),
        &["--proxy", &proxy.url()],
        &[],
    );
    run.expect_code(1);
    let named = format!("the proxy 127.0.0.1 port {}", proxy.port);
    assert!(
        run.stderr.contains(&named) && run.stderr.contains("403"),
        "the error should name the proxy and its status: {}",
        run.stderr
    );
    assert_eq!(run.stderr.lines().count(), 1, "{}", run.stderr);
    assert_eq!(proxy.tunnels().len(), 1, "{:?}", proxy.tunnels());
    assert!(snapshot(&client.certs).is_empty(), "certificates written");
}

/// `grants --json` for `client` with `extra` options and environment: the network stage's
/// `network` object.
fn network_grant(client: &Client, extra: &[&str], env: &[(&str, &str)]) -> Value {
    let mut args = vec!["grants".to_string(), "--json".into()];
    args.extend(extra.iter().map(|s| s.to_string()));
    args.extend(client.args_offline("https://acme.example.org/dir"));
    args.push("a.example.com".into());
    let run = acmebox_env(&args, env);
    run.expect_code(0);
    let stages: Value = serde_json::from_str(&run.stdout).expect("grants JSON");
    stages[2]["network"].clone()
}

#[test]
fn grants_show_the_proxy() {
    let client = Client::new();
    let net = network_grant(&client, &["--proxy", "http://Proxy.Corp:3128"], &[]);
    assert_eq!(net["proxy"]["host"], "proxy.corp");
    assert_eq!(net["proxy"]["port"], 3128);
    assert_eq!(net["proxy"]["from"], "--proxy");
    assert_eq!(net["connect"]["host"], "proxy.corp", "{net}");
    assert_eq!(net["port"], 3128);
    assert_eq!(net["server"]["host"], "acme.example.org");
    assert_eq!(
        net["hosts"],
        serde_json::json!(["acme.example.org", "proxy.corp"])
    );

    let env = [("HTTPS_PROXY", "http://proxy.corp:3128")];
    let net = network_grant(&client, &[], &env);
    assert_eq!(net["proxy"]["from"], "HTTPS_PROXY", "{net}");

    let env = [
        ("https_proxy", "http://proxy.corp:3128"),
        ("no_proxy", ".example.org"),
    ];
    let net = network_grant(&client, &[], &env);
    assert!(net["proxy"].is_null(), "{net}");
    let why = net["proxy_bypassed"].as_str().unwrap_or_default();
    assert!(
        why.contains("no_proxy") && why.contains("https_proxy"),
        "{net}"
    );
    assert_eq!(net["connect"]["host"], "acme.example.org");

    let none = network_grant(&client, &[], &[]);
    assert!(
        none["proxy"].is_null() && none["proxy_bypassed"].is_null(),
        "{none}"
    );

    // The text form says the same.
    let mut args = vec![
        "grants".to_string(),
        "--proxy".into(),
        "http://proxy.corp:3128".into(),
    ];
    args.extend(client.args_offline("https://acme.example.org/dir"));
    args.push("a.example.com".into());
    let run = acmebox(&args);
    run.expect_code(0);
    assert!(
        run.stdout
            .contains("proxy      http://proxy.corp:3128 (from --proxy)")
            && run
                .stdout
                .contains("never to acme.example.org:443 directly"),
        "{}",
        run.stdout
    );
}

#[test]
fn other_proxy_schemes_are_refused_clearly() {
    let client = Client::new();
    for (url, why) in [
        ("https://proxy.corp:3128", "TLS connection to the proxy"),
        ("socks5://proxy.corp:1080", "SOCKS"),
        ("http://user:secret@proxy.corp:3128", "credentials"),
    ] {
        let mut args = vec!["--proxy".to_string(), url.into()];
        args.extend(client.args_offline("https://acme.example.org/dir"));
        args.push("a.example.com".into());
        let run = acmebox(&args);
        run.expect_code(1);
        assert!(
            run.stderr.contains("--proxy") && run.stderr.contains(why),
            "{url}: {}",
            run.stderr
        );
        assert!(snapshot(&client.certs).is_empty());
    }
    let mut args = client.args_offline("https://acme.example.org/dir");
    args.push("a.example.com".into());
    let run = acmebox_env(&args, &[("HTTPS_PROXY", "ftp://proxy.corp")]);
    run.expect_code(1);
    assert!(run.stderr.contains("HTTPS_PROXY"), "{}", run.stderr);
}
