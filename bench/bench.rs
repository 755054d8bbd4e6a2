//! dynward benchmarks: reaction time, idle cost, memory, scale, start-up; optionally the same
//! scenarios for ddclient and inadyn. Run as root through `bench/run.sh` (see bench/README.md).
//!
//! Everything happens in a network namespace made here: `vn` (198.51.100.2) reaches the
//! benchmark's dyndns2 server on the host side (198.51.100.1); the published "WAN" addresses
//! (203.0.113.x/32) live on `vw0`, a second veth inside the namespace. Address changes are
//! written to one long-running `ip -batch`, so no process start sits inside a measurement.

// The clock rule (crate::clock only) is the library's: benchmarks time the real binary from outside.
#![allow(clippy::disallowed_methods)]

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::os::unix::net::UnixDatagram;
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

fn sh(args: &[&str]) {
    let o = Command::new(args[0])
        .args(&args[1..])
        .output()
        .expect("spawn");
    assert!(
        o.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&o.stderr)
    );
}

struct Net {
    ns: String,
}

impl Net {
    fn new() -> Net {
        let ns = format!("dwbench{}", std::process::id());
        let _ = Command::new("ip").args(["netns", "del", &ns]).output();
        let _ = Command::new("ip").args(["link", "del", "dwbh0"]).output();
        sh(&["ip", "netns", "add", &ns]);
        sh(&[
            "ip", "link", "add", "dwbh0", "type", "veth", "peer", "name", "vn",
        ]);
        sh(&["ip", "link", "set", "vn", "netns", &ns]);
        sh(&["ip", "addr", "add", "198.51.100.1/24", "dev", "dwbh0"]);
        sh(&["ip", "link", "set", "dwbh0", "up"]);
        let n = Net { ns };
        for c in [
            "ip link set lo up",
            "ip addr add 198.51.100.2/24 dev vn",
            "ip link set vn up",
            "ip link add vw0 type veth peer name vw1",
            "ip link set vw0 up",
            "ip link set vw1 up",
            "ip route add default via 198.51.100.1",
        ] {
            let mut v = vec!["ip", "netns", "exec", &n.ns];
            v.extend(c.split(' '));
            sh(&v);
        }
        // Replies to the published addresses come back through the namespace.
        sh(&[
            "ip",
            "route",
            "add",
            "203.0.113.0/24",
            "via",
            "198.51.100.2",
            "dev",
            "dwbh0",
        ]);
        n
    }
}

impl Drop for Net {
    fn drop(&mut self) {
        let _ = Command::new("ip").args(["netns", "del", &self.ns]).output();
        let _ = Command::new("ip").args(["link", "del", "dwbh0"]).output();
    }
}

/// `ip -batch -` inside the namespace, fed one line at a time.
struct IpBatch {
    child: Child,
    stdin: ChildStdin,
}

impl IpBatch {
    fn new(ns: &str) -> IpBatch {
        let mut child = Command::new("ip")
            .args(["-n", ns, "-force", "-batch", "-"])
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("ip -batch");
        let stdin = child.stdin.take().expect("stdin");
        IpBatch { child, stdin }
    }

    /// Sends commands; returns the moment they were handed to `ip`.
    fn run(&mut self, cmds: &str) -> Instant {
        let t = Instant::now();
        self.stdin.write_all(cmds.as_bytes()).expect("write");
        self.stdin.flush().expect("flush");
        t
    }
}

impl Drop for IpBatch {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[derive(Clone)]
struct Arrival {
    at: Instant,
    myip: String,
}

/// A dyndns2 server: one thread per connection, `good <myip>` per host, arrival times kept.
struct Server {
    port: u16,
    arrivals: Arc<Mutex<Vec<Arrival>>>,
    max_open: Arc<AtomicUsize>,
}

fn param(q: &str, name: &str) -> String {
    q.split('&')
        .find_map(|kv| kv.strip_prefix(&format!("{name}=")))
        .unwrap_or("")
        .to_string()
}

impl Server {
    fn start() -> Server {
        let l = TcpListener::bind("198.51.100.1:0").expect("bind");
        let port = l.local_addr().expect("addr").port();
        let arrivals = Arc::new(Mutex::new(Vec::new()));
        let open = Arc::new(AtomicUsize::new(0));
        let max_open = Arc::new(AtomicUsize::new(0));
        let (a, o, m) = (arrivals.clone(), open.clone(), max_open.clone());
        std::thread::spawn(move || {
            for s in l.incoming().flatten() {
                let (a, o, m) = (a.clone(), o.clone(), m.clone());
                let n = o.fetch_add(1, Ordering::SeqCst) + 1;
                m.fetch_max(n, Ordering::SeqCst);
                std::thread::spawn(move || {
                    serve(s, &a);
                    o.fetch_sub(1, Ordering::SeqCst);
                });
            }
        });
        Server {
            port,
            arrivals,
            max_open,
        }
    }

    /// How many updates carried `myip` so far.
    fn count(&self, myip: &str) -> usize {
        let a = self.arrivals.lock().expect("lock");
        a.iter().filter(|x| x.myip.contains(myip)).count()
    }

    fn wait_for(&self, myip: &str, n: usize, timeout: Duration) -> Option<Instant> {
        let end = Instant::now() + timeout;
        while Instant::now() < end {
            {
                let a = self.arrivals.lock().expect("lock");
                let hits: Vec<&Arrival> = a.iter().filter(|x| x.myip.contains(myip)).collect();
                if hits.len() >= n {
                    return hits.iter().map(|x| x.at).max();
                }
            }
            std::thread::sleep(Duration::from_micros(200));
        }
        None
    }
}

fn serve(mut s: TcpStream, arrivals: &Mutex<Vec<Arrival>>) {
    let _ = s.set_read_timeout(Some(Duration::from_secs(10)));
    let mut r = BufReader::new(match s.try_clone() {
        Ok(c) => c,
        Err(_) => return,
    });
    let mut line = String::new();
    if r.read_line(&mut line).is_err() {
        return;
    }
    let at = Instant::now();
    // Drain the headers.
    loop {
        let mut h = String::new();
        match r.read_line(&mut h) {
            Ok(0) | Err(_) => break,
            Ok(_) if h == "\r\n" || h == "\n" => break,
            Ok(_) => {}
        }
    }
    let target = line.split_whitespace().nth(1).unwrap_or("");
    let query = target.split_once('?').map(|(_, q)| q).unwrap_or("");
    let myip = param(query, "myip");
    let hosts = param(query, "hostname");
    if !target.starts_with("/checkip") {
        arrivals.lock().expect("lock").push(Arrival {
            at,
            myip: myip.clone(),
        });
    }
    let body: String = if target.starts_with("/checkip") {
        "Current IP Address: 203.0.113.1\n".into()
    } else {
        hosts.split(',').map(|_| format!("good {myip}\n")).collect()
    };
    let _ = write!(
        s,
        "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    let mut sink = [0u8; 64];
    let _ = s.set_read_timeout(Some(Duration::from_millis(50)));
    let _ = s.read(&mut sink);
}

/// A program under test, running inside the namespace.
struct Proc {
    child: Child,
    name: &'static str,
}

impl Proc {
    fn pid(&self) -> u32 {
        self.child.id()
    }

    fn status(&self) -> HashMap<String, u64> {
        let text =
            std::fs::read_to_string(format!("/proc/{}/status", self.pid())).unwrap_or_default();
        text.lines()
            .filter_map(|l| {
                let (k, v) = l.split_once(':')?;
                let n = v.split_whitespace().next()?.parse().ok()?;
                Some((k.to_string(), n))
            })
            .collect()
    }

    /// CPU time in ns (schedstat), voluntary + involuntary context switches.
    fn cpu_and_switches(&self) -> (u64, u64) {
        let sched =
            std::fs::read_to_string(format!("/proc/{}/schedstat", self.pid())).unwrap_or_default();
        let ns = sched
            .split_whitespace()
            .next()
            .and_then(|x| x.parse().ok())
            .unwrap_or(0);
        let st = self.status();
        let sw = st.get("voluntary_ctxt_switches").copied().unwrap_or(0)
            + st.get("nonvoluntary_ctxt_switches").copied().unwrap_or(0);
        (ns, sw)
    }
}

impl Drop for Proc {
    fn drop(&mut self) {
        let _ = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .output();
        let end = Instant::now() + Duration::from_secs(5);
        while Instant::now() < end {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn spawn_in(ns: &str, args: &[&str], env: &[(&str, &str)], log: &Path, name: &'static str) -> Proc {
    let mut c = Command::new("ip");
    c.args(["netns", "exec", ns]).args(args);
    // The check of an accepted update at the zone's servers asks no resolver of the
    // machine about the bench's names (the checks it would start are measured elsewhere).
    c.env("DYNWARD_RESOLV_CONF", "/dev/null");
    for (k, v) in env {
        c.env(k, v);
    }
    let f = std::fs::File::create(log).expect("log");
    c.stdout(Stdio::null()).stderr(f);
    Proc {
        child: c.spawn().expect("spawn"),
        name,
    }
}

fn dynward_config(dir: &Path, port: u16, n: usize) -> PathBuf {
    let mut c = format!("state_dir = \"{}\"\n", dir.join("state").display());
    for i in 0..n {
        c.push_str(&format!(
            "[[policy]]\nname = \"p{i}\"\nserver = \"http://198.51.100.1:{port}/nic/update\"\nallow_insecure_http = true\nusername = \"u\"\npassword = \"pw\"\nhosts = [\"h{i}.example.org\"]\ninterface = \"vw0\"\nstable_for = \"0s\"\nmin_interval = \"0s\"\n"
        ));
    }
    let p = dir.join(format!("dynward-{n}.toml"));
    std::fs::write(&p, c).expect("config");
    p
}

/// Starts dynward and returns it with the time from spawn to READY=1.
fn start_dynward(bin: &str, ns: &str, cfg: &Path, dir: &Path) -> (Proc, Duration) {
    let _ = std::fs::remove_dir_all(dir.join("state"));
    let sock = dir.join("notify.sock");
    let _ = std::fs::remove_file(&sock);
    let u = UnixDatagram::bind(&sock).expect("notify socket");
    u.set_read_timeout(Some(Duration::from_secs(30)))
        .expect("timeout");
    let t0 = Instant::now();
    let p = spawn_in(
        ns,
        &[bin, "--config", &cfg.display().to_string(), "run"],
        &[
            ("NOTIFY_SOCKET", &sock.display().to_string()),
            ("DYNWARD_LOG", "warn"),
        ],
        &dir.join("dynward.log"),
        "dynward",
    );
    let mut buf = [0u8; 512];
    loop {
        let n = u.recv(&mut buf).expect("READY within 30 s");
        if String::from_utf8_lossy(&buf[..n])
            .lines()
            .any(|l| l == "READY=1")
        {
            return (p, t0.elapsed());
        }
    }
}

fn median_worst(v: &mut [Duration]) -> (Duration, Duration) {
    v.sort();
    (v[v.len() / 2], v[v.len() - 1])
}

fn ms(d: Duration) -> String {
    format!("{:.2} ms", d.as_secs_f64() * 1000.0)
}

struct Row {
    program: String,
    reaction: String,
    idle: String,
    memory: String,
}

/// One address change: the old WAN address goes, a new one comes, in one write to `ip`.
fn change(ip: &mut IpBatch, old: Option<u32>, new: u32) -> Instant {
    let mut cmds = String::new();
    if let Some(o) = old {
        cmds.push_str(&format!("addr del 203.0.113.{o}/32 dev vw0\n"));
    }
    cmds.push_str(&format!("addr add 203.0.113.{new}/32 dev vw0\n"));
    ip.run(&cmds)
}

/// The WAN interface with one address, 203.0.113.10, and the `ip` that changes it.
fn wan(net: &Net) -> (IpBatch, u32) {
    let mut ip = IpBatch::new(&net.ns);
    ip.run("addr flush dev vw0\n");
    std::thread::sleep(Duration::from_millis(100));
    change(&mut ip, None, 10);
    std::thread::sleep(Duration::from_millis(200));
    (ip, 10)
}

fn reaction(
    srv: &Server,
    ip: &mut IpBatch,
    cur: &mut u32,
    rounds: usize,
    timeout: Duration,
) -> Vec<Duration> {
    let mut out = Vec::new();
    for _ in 0..rounds {
        let next = if *cur >= 250 { 10 } else { *cur + 1 };
        let before = srv
            .arrivals
            .lock()
            .expect("lock")
            .iter()
            .filter(|a| a.myip == format!("203.0.113.{next}"))
            .count();
        let t0 = change(ip, Some(*cur), next);
        *cur = next;
        match srv.wait_for(&format!("203.0.113.{next}"), before + 1, timeout) {
            Some(at) => out.push(at.saturating_duration_since(t0)),
            None => eprintln!("  no update for 203.0.113.{next} within {timeout:?}"),
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    out
}

fn idle(p: &Proc, secs: u64) -> (f64, f64) {
    let (c0, s0) = p.cpu_and_switches();
    std::thread::sleep(Duration::from_secs(secs));
    let (c1, s1) = p.cpu_and_switches();
    let per_min = 60.0 / secs as f64;
    ((c1 - c0) as f64 / 1e6 * per_min, (s1 - s0) as f64 * per_min)
}

fn mem(p: &Proc) -> String {
    // DYNWARD_BENCH_SMAPS=1: the resident pages per mapping, to find what moved.
    if std::env::var_os("DYNWARD_BENCH_SMAPS").is_some() {
        let smaps = std::fs::read_to_string(format!("/proc/{}/smaps", p.pid())).unwrap_or_default();
        let mut name = String::new();
        let mut per: std::collections::BTreeMap<String, u64> = Default::default();
        for line in smaps.lines() {
            if let Some(kb) = line.strip_prefix("Rss:") {
                let kb = kb.trim().trim_end_matches("kB").trim().parse().unwrap_or(0);
                *per.entry(name.clone()).or_default() += kb;
            } else if line.split_whitespace().count() >= 5 && line.contains('-') {
                let w: Vec<&str> = line.split_whitespace().collect();
                name = format!("{} {}", w.get(5).unwrap_or(&"[anon]"), w[1]);
            }
        }
        for (n, kb) in per.iter().filter(|(_, kb)| **kb > 0) {
            eprintln!("    resident: {kb:>6} kB {n}");
        }
    }
    let s = p.status();
    format!(
        "RSS {} kB, HWM {} kB, anon {} kB",
        s.get("VmRSS").unwrap_or(&0),
        s.get("VmHWM").unwrap_or(&0),
        s.get("RssAnon").unwrap_or(&0)
    )
}

fn bench_dynward(
    bin: &str,
    net: &Net,
    srv: &Server,
    dir: &Path,
    idle_secs: u64,
    rows: &mut Vec<Row>,
) {
    println!("== dynward");
    let (mut ip, mut cur) = wan(net);
    let size = std::fs::metadata(bin).map(|m| m.len()).unwrap_or(0);
    let mut readys = Vec::new();
    for _ in 0..10 {
        let (p, ready) = start_dynward(bin, &net.ns, &dynward_config(dir, srv.port, 1), dir);
        readys.push(ready);
        drop(p);
    }
    let (rm, rw) = median_worst(&mut readys);
    println!(
        "  start-up to READY (1 policy, 10 runs): median {}, worst {}",
        ms(rm),
        ms(rw)
    );
    println!(
        "  stripped release binary: {size} bytes ({:.2} MiB)",
        size as f64 / 1048576.0
    );

    // Resident pages of the binary and libc depend on where each start maps them (the
    // kernel maps the pages around each one touched, in windows aligned to the randomized
    // load address): the same binary varies by about ±100 kB from start to start. Five fresh
    // starts, each with its first update, give the median and the spread.
    let mut starts = Vec::new();
    let mut p = None;
    for _ in 0..5 {
        drop(p.take());
        let ip = format!("203.0.113.{cur}");
        let seen = srv.count(&ip);
        let (q, _) = start_dynward(bin, &net.ns, &dynward_config(dir, srv.port, 1), dir);
        srv.wait_for(&ip, seen + 1, Duration::from_secs(5));
        std::thread::sleep(Duration::from_millis(300));
        let st = q.status();
        let kb = |k: &str| st.get(k).copied().unwrap_or(0);
        starts.push((kb("VmRSS"), kb("RssAnon")));
        p = Some(q);
    }
    let p = p.expect("started");
    let mem_start = mem(&p);
    let mut rss: Vec<u64> = starts.iter().map(|s| s.0).collect();
    rss.sort_unstable();
    println!(
        "  memory after start, one policy (5 fresh starts): RSS median {} kB (from {} to {} kB), anon {} kB; last start: {mem_start}",
        rss[2], rss[0], rss[4], starts[4].1
    );
    let mut r = reaction(srv, &mut ip, &mut cur, 30, Duration::from_secs(5));
    let (m, w) = median_worst(&mut r);
    println!(
        "  reaction (stable_for 0s, {} changes): median {}, worst {}",
        r.len(),
        ms(m),
        ms(w)
    );
    let more = reaction(srv, &mut ip, &mut cur, 70, Duration::from_secs(5));
    println!("  ({} more changes, 100 in all)", more.len());
    let mem_after = mem(&p);
    println!("  memory after 100 changes: {mem_after}");
    std::thread::sleep(Duration::from_secs(1));
    let (cpu, sw) = idle(&p, idle_secs);
    println!("  idle {idle_secs} s: {cpu:.3} ms CPU/min, {sw:.1} wake-ups (context switches)/min");
    rows.push(Row {
        program: "dynward".into(),
        reaction: format!("{} / {}", ms(m), ms(w)),
        idle: format!("{cpu:.2} ms CPU, {sw:.1} wake-ups per min"),
        memory: format!("start: {mem_start}; after 100 changes: {mem_after}"),
    });
    drop(p);

    // Scale: 1000 policies, one host each.
    let cfg = dynward_config(dir, srv.port, 1000);
    let (p, ready) = start_dynward(bin, &net.ns, &cfg, dir);
    println!("  1000 policies: READY after {}", ms(ready));
    let first = srv.wait_for(&format!("203.0.113.{cur}"), 1000, Duration::from_secs(60));
    println!(
        "  1000 policies: initial updates all in: {}",
        if first.is_some() { "yes" } else { "NO" }
    );
    std::thread::sleep(Duration::from_millis(500));
    srv.max_open.store(0, Ordering::SeqCst);
    let next = cur + 1;
    let t0 = change(&mut ip, Some(cur), next);
    cur = next;
    match srv.wait_for(&format!("203.0.113.{cur}"), 1000, Duration::from_secs(60)) {
        Some(at) => println!(
            "  1000 policies: one address change -> all 1000 updates received in {} (at most {} connections at once)",
            ms(at.saturating_duration_since(t0)),
            srv.max_open.load(Ordering::SeqCst)
        ),
        None => println!("  1000 policies: NOT all updated within 60 s"),
    }
    std::thread::sleep(Duration::from_millis(500));
    println!("  1000 policies: {}", mem(&p));
    drop(p);
    bench_dns(bin, net, dir);
}

/// The zone, key and secret of the DNS UPDATE scenario.
const DNS_ZONE: &str = "bench.example.test";
const DNS_SECRET: &str = "YmVuY2gtdHNpZy1zZWNyZXQtZm9yLWR5bndhcmQ=";

/// BIND (`named`) on 198.51.100.1 behind a UDP relay that keeps each UPDATE's arrival time
/// and the IPv4 address it adds: dynward's reaction over DNS UPDATE is measured at the relay,
/// to the same clock as the dyndns2 server's. Stopped on drop.
struct Dns {
    named: Child,
    relay: Server,
}

impl Drop for Dns {
    fn drop(&mut self) {
        let _ = self.named.kill();
        let _ = self.named.wait();
    }
}

impl Dns {
    fn start(dir: &Path) -> Option<Dns> {
        let d = dir.join("named");
        std::fs::create_dir_all(&d).ok()?;
        let port = std::net::UdpSocket::bind("198.51.100.1:0")
            .ok()?
            .local_addr()
            .ok()?
            .port();
        let conf = format!(
            "options {{ directory \"{d}\"; pid-file \"{d}/named.pid\"; session-keyfile \"{d}/s.key\"; listen-on port {port} {{ 198.51.100.1; }}; listen-on-v6 {{ none; }}; recursion no; notify no; }};\ncontrols {{ }};\nkey \"bench-key\" {{ algorithm hmac-sha256; secret \"{DNS_SECRET}\"; }};\nzone \"{DNS_ZONE}\" {{ type primary; file \"{d}/zone\"; update-policy {{ grant bench-key zonesub A; }}; }};\n",
            d = d.display()
        );
        std::fs::write(d.join("named.conf"), conf).ok()?;
        std::fs::write(
            d.join("zone"),
            format!("$TTL 60\n@ IN SOA ns.{DNS_ZONE}. h.{DNS_ZONE}. 1 3600 600 86400 60\n@ IN NS ns.{DNS_ZONE}.\nns IN A 198.51.100.1\n"),
        )
        .ok()?;
        let named = Command::new("named")
            .args(["-g", "-c"])
            .arg(d.join("named.conf"))
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(d.join("named.log")).ok()?)
            .spawn()
            .ok()?;
        let relay = std::net::UdpSocket::bind("198.51.100.1:0").ok()?;
        let relay_port = relay.local_addr().ok()?.port();
        let arrivals = Arc::new(Mutex::new(Vec::new()));
        let a = arrivals.clone();
        std::thread::spawn(move || {
            let up = std::net::UdpSocket::bind("198.51.100.1:0").expect("relay socket");
            up.connect(("198.51.100.1", port)).expect("connect named");
            let _ = up.set_read_timeout(Some(Duration::from_secs(2)));
            let mut buf = [0u8; 4096];
            let mut back = [0u8; 4096];
            loop {
                let Ok((n, from)) = relay.recv_from(&mut buf) else {
                    return;
                };
                let at = Instant::now();
                // The UPDATE's IPv4 address: the data of its A record (4 bytes after a
                // type A, class IN, TTL and a length of 4).
                let m = &buf[..n];
                let myip = m
                    .windows(14)
                    .find(|w| w[..4] == [0, 1, 0, 1] && w[8..10] == [0, 4])
                    .map(|w| format!("{}.{}.{}.{}", w[10], w[11], w[12], w[13]))
                    .unwrap_or_default();
                a.lock().expect("lock").push(Arrival { at, myip });
                if up.send(m).is_ok()
                    && let Ok(k) = up.recv(&mut back)
                {
                    let _ = relay.send_to(&back[..k], from);
                }
            }
        });
        let dns = Dns {
            named,
            relay: Server {
                port: relay_port,
                arrivals,
                max_open: Arc::new(AtomicUsize::new(0)),
            },
        };
        // Up once it answers its zone's SOA.
        let end = Instant::now() + Duration::from_secs(10);
        while Instant::now() < end {
            let q = Command::new("dig")
                .args([
                    "+short",
                    "+time=1",
                    "+tries=1",
                    "-p",
                    &port.to_string(),
                    "@198.51.100.1",
                    DNS_ZONE,
                    "SOA",
                ])
                .output()
                .ok()?;
            if String::from_utf8_lossy(&q.stdout).contains(DNS_ZONE) {
                return Some(dns);
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        None
    }
}

/// The reaction over DNS UPDATE: dynward's `rfc2136` policy to BIND (through the relay),
/// 30 address changes.
fn bench_dns(bin: &str, net: &Net, dir: &Path) {
    let Some(dns) = Dns::start(dir) else {
        println!("  reaction over DNS UPDATE: BIND (named, dig) is not here; not measured");
        return;
    };
    let (mut ip, mut cur) = wan(net);
    let cfg = dir.join("dynward-dns.toml");
    std::fs::write(
        &cfg,
        format!(
            "state_dir = \"{}\"\n[[policy]]\nname = \"dns\"\nprovider = \"rfc2136\"\nserver = \"198.51.100.1:{}\"\nzone = \"{DNS_ZONE}\"\ntsig_key = \"bench-key\"\npassword = \"{DNS_SECRET}\"\nhosts = [\"h.{DNS_ZONE}\"]\ninterface = \"vw0\"\nstable_for = \"0s\"\nmin_interval = \"0s\"\n",
            dir.join("state").display(),
            dns.relay.port
        ),
    )
    .expect("config");
    let (p, _) = start_dynward(bin, &net.ns, &cfg, dir);
    if dns
        .relay
        .wait_for(&format!("203.0.113.{cur}"), 1, Duration::from_secs(10))
        .is_none()
    {
        println!("  reaction over DNS UPDATE: the first UPDATE never came; not measured");
        return;
    }
    std::thread::sleep(Duration::from_millis(300));
    let mut r = reaction(&dns.relay, &mut ip, &mut cur, 30, Duration::from_secs(5));
    if r.is_empty() {
        println!("  reaction over DNS UPDATE: no UPDATE came; not measured");
        return;
    }
    let (m, w) = median_worst(&mut r);
    println!(
        "  reaction over DNS UPDATE (rfc2136 to BIND, stable_for 0s, {} changes): median {}, worst {}",
        r.len(),
        ms(m),
        ms(w)
    );
    println!("  after the DNS scenario: {}", mem(&p));
}

/// What every scenario needs.
struct Ctx<'a> {
    net: &'a Net,
    srv: &'a Server,
    dir: &'a Path,
    idle_secs: u64,
}

fn bench_other(
    ctx: &Ctx<'_>,
    name: &'static str,
    args: &[&str],
    timeout: Duration,
    rows: &mut Vec<Row>,
) {
    let (net, srv, dir, idle_secs) = (ctx.net, ctx.srv, ctx.dir, ctx.idle_secs);
    println!("== {name}");
    let mut ip = IpBatch::new(&net.ns);
    let mut cur = 100;
    // Start from an interface holding only this scenario's address.
    ip.run("addr flush dev vw0\n");
    std::thread::sleep(Duration::from_millis(100));
    change(&mut ip, None, cur);
    let p = spawn_in(&net.ns, args, &[], &dir.join(format!("{name}.log")), name);
    match srv.wait_for(&format!("203.0.113.{cur}"), 1, timeout) {
        Some(_) => println!("  first update received"),
        None => println!(
            "  no first update within {timeout:?} (see {})",
            dir.join(format!("{name}.log")).display()
        ),
    }
    std::thread::sleep(Duration::from_millis(300));
    let mem_start = mem(&p);
    println!("  memory after start: {mem_start}");
    let mut r = reaction(srv, &mut ip, &mut cur, 3, timeout);
    let reaction_text = if r.is_empty() {
        "no update".to_string()
    } else {
        let (m, w) = median_worst(&mut r);
        println!(
            "  reaction ({} changes): median {}, worst {}",
            r.len(),
            ms(m),
            ms(w)
        );
        format!("{} / {}", ms(m), ms(w))
    };
    let (cpu, sw) = idle(&p, idle_secs);
    println!("  idle {idle_secs} s: {cpu:.3} ms CPU/min, {sw:.1} wake-ups/min");
    rows.push(Row {
        program: format!("{name} ({})", p.name),
        reaction: reaction_text,
        idle: format!("{cpu:.2} ms CPU, {sw:.1} wake-ups per min"),
        memory: format!("start: {mem_start}; after {} changes: {}", r.len(), mem(&p)),
    });
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let flag = |f: &str| args.iter().any(|a| a == f);
    let value = |f: &str| {
        args.iter()
            .position(|a| a == f)
            .and_then(|i| args.get(i + 1))
            .cloned()
    };
    let bin = value("--bin").unwrap_or_else(|| "target/release/dynward".into());
    let idle_secs: u64 = value("--idle").and_then(|v| v.parse().ok()).unwrap_or(60);
    let dir = tempdir();
    let net = Net::new();
    let srv = Server::start();
    let mut rows = Vec::new();
    if !flag("--others-only") {
        bench_dynward(
            &std::fs::canonicalize(&bin)
                .expect("dynward binary")
                .display()
                .to_string(),
            &net,
            &srv,
            &dir,
            idle_secs,
            &mut rows,
        );
    }

    if flag("--compare") {
        let ctx = Ctx {
            net: &net,
            srv: &srv,
            dir: &dir,
            idle_secs,
        };
        if which("ddclient") {
            let conf = dir.join("ddclient.conf");
            std::fs::write(
                &conf,
                format!(
                    "daemon=60\nforeground=yes\nsyslog=no\nverbose=no\npid={d}/ddclient.pid\ncache={d}/ddclient.cache\nssl=no\nuse=if, if=vw0\nprotocol=dyndns2\nserver=198.51.100.1:{p}\nlogin=u\npassword=pw\nh.example.org\n",
                    d = dir.display(),
                    p = srv.port
                ),
            )
            .expect("write");
            sh(&["chmod", "600", &conf.display().to_string()]);
            bench_other(
                &ctx,
                "ddclient",
                &[
                    "ddclient",
                    "-foreground",
                    "-file",
                    &conf.display().to_string(),
                    "-cache",
                    &dir.join("ddclient.cache").display().to_string(),
                ],
                Duration::from_secs(90),
                &mut rows,
            );
        } else {
            println!("== ddclient: not installed (bench/run.sh --install installs it)");
        }
        if which("inadyn") {
            let conf = dir.join("inadyn.conf");
            std::fs::write(
                &conf,
                format!(
                    "period = 30\niface = vw0\ncustom bench {{\n    ssl = false\n    ddns-server = \"198.51.100.1:{p}\"\n    ddns-path = \"/nic/update?hostname=%h&myip=%i\"\n    username = \"u\"\n    password = \"pw\"\n    hostname = \"h.example.org\"\n}}\n",
                    p = srv.port
                ),
            )
            .expect("write");
            bench_other(
                &ctx,
                "inadyn",
                &[
                    "inadyn",
                    "--foreground",
                    "--no-pidfile",
                    "-f",
                    &conf.display().to_string(),
                    "--cache-dir",
                    &dir.display().to_string(),
                    "-l",
                    "warning",
                ],
                Duration::from_secs(60),
                &mut rows,
            );
        } else {
            println!("== inadyn: not installed (bench/run.sh --install installs it)");
        }
    }

    println!();
    println!("| program | reaction median / worst | idle per minute | memory |");
    println!("|---|---|---|---|");
    for r in rows {
        println!(
            "| {} | {} | {} | {} |",
            r.program, r.reaction, r.idle, r.memory
        );
    }
    let _ = std::fs::remove_dir_all(&dir);
}

fn which(p: &str) -> bool {
    Command::new("sh")
        .args(["-c", &format!("command -v {p}")])
        .output()
        .map(|o| o.status.success())
        .unwrap_or(false)
}

fn tempdir() -> PathBuf {
    let d = std::env::temp_dir().join(format!("dynward-bench-{}", std::process::id()));
    std::fs::create_dir_all(&d).expect("tempdir");
    d
}
