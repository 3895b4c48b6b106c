import Foundation

/// A TCP relay on loopback between kiosks and the district server, for the district link's benchmarks and fault
/// runs (issues #18 and #19): it counts the bytes that cross it each way and can hold each direction to a bit rate
/// (a rural 64 kbit/s link), since `tc netem` is not available on these machines.
///
/// Clients connect to `127.0.0.1:port`; each connection gets its own connection to `127.0.0.1:upstreamPort` and
/// two pumps (kiosk → server, server → kiosk), each on a thread of its own. TLS passes through untouched, so the
/// bytes counted are what a real link would carry (TLS records, HTTP headers, bodies).
///
/// Throttling: each pump sends at most `bitsPerSecond / 8` bytes a second, in slices of a fiftieth of that, and
/// after each slice sleeps for the time that slice takes at the rate; time the link was idle earns no credit (no
/// burst after a pause, as on a real modem), and no latency is added. Changing the rate applies to the next
/// slice of every connection.
///
/// Faults (issue #19): `fault` is what the relay does to each connection it accepts from then on (a connection
/// keeps the fault it was accepted under): drop it as it is made, cut it or reset it after so many bytes, delay
/// every slice, or stop relaying while leaving both ends open (half-open). `faultsDone` counts the connections a
/// fault actually struck, so a run knows a fault happened rather than guessing.
public final class LinkProxy: @unchecked Sendable {
    /// The port clients connect to.
    public let port: Int
    private let upstreamPort: Int
    private let listener: Int32
    private let lock = NSLock()
    private var rate: Int?
    private var up = 0, down = 0
    private var sockets: Set<Int32> = []
    private var stopped = false
    private var currentFault = LinkFault.none
    private var struck = 0
    private var accepted = 0

    /// A relay or its socket could not be set up (the system call and its errno).
    public struct Failed: Error, CustomStringConvertible {
        public let description: String
    }

    /// Listens on a free loopback port and relays every connection to `127.0.0.1:upstreamPort`.
    /// - Throws: `Failed` when the listening socket cannot be made.
    public init(upstreamPort: Int) throws {
        self.upstreamPort = upstreamPort
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw Failed(description: "socket: errno \(errno)") }
        var yes: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &yes, socklen_t(MemoryLayout<Int32>.size))
        var address = Self.loopback(port: 0)
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0, listen(fd, 64) == 0 else { close(fd); throw Failed(description: "bind/listen: errno \(errno)") }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        listener = fd
        port = Int(UInt16(bigEndian: address.sin_port))
        let thread = Thread { [self] in acceptLoop() }
        thread.stackSize = 1 << 18
        thread.start()
    }

    /// The bit rate each direction is held to (64,000 for a 64 kbit/s link); nil: as fast as loopback goes.
    public var bitsPerSecond: Int? {
        get { lock.withLock { rate } }
        set { lock.withLock { rate = newValue.map { max(8, $0) } } }
    }

    /// What the relay does to connections accepted from now on (`.none`: relays them faithfully).
    public var fault: LinkFault {
        get { lock.withLock { currentFault } }
        set { lock.withLock { currentFault = newValue } }
    }

    /// Connections a fault has struck so far (dropped, cut, reset, delayed or left half-open).
    public var faultsDone: Int { lock.withLock { struck } }

    /// A TCP port free on loopback now (a relay made and stopped at once to learn one).
    /// - Throws: `Failed` when no socket can be made.
    public static func freePort() throws -> Int {
        let probe = try LinkProxy(upstreamPort: 1)
        defer { probe.stop() }
        return probe.port
    }

    /// Connections accepted so far (each TCP connection a kiosk opened through the relay).
    public var connectionsMade: Int { lock.withLock { accepted } }

    /// Connections relayed now (accepted and not yet closed on both sides).
    public var openConnections: Int { lock.withLock { sockets.count / 2 } }

    /// Bytes relayed so far: kiosk → server (`up`) and server → kiosk (`down`).
    public func counts() -> (up: Int, down: Int) { lock.withLock { (up, down) } }

    /// Sets both counts back to zero.
    public func resetCounts() { lock.withLock { up = 0; down = 0 } }

    /// Stops listening and cuts every open connection. Safe to call twice.
    ///
    /// Everything here is `shutdown`, under the lock, and never `close`: each socket is closed by the one thread that
    /// owns it (the accepting thread its listener, a connection's closer its two sockets), after which its number may
    /// belong to another socket at once, so it must never be touched again from here.
    public func stop() {
        lock.withLock {
            guard !stopped else { return }
            stopped = true
            shutdown(listener, Int32(SHUT_RDWR))
            for fd in sockets { shutdown(fd, Int32(SHUT_RDWR)) }
        }
    }

    deinit { stop() }

    static func loopback(port: UInt16) -> sockaddr_in {
        var a = sockaddr_in()
        a.sin_family = sa_family_t(AF_INET)
        a.sin_port = port.bigEndian
        a.sin_addr = in_addr(s_addr: inet_addr("127.0.0.1"))
        return a
    }

    private func acceptLoop() {
        while true {
            let client = accept(listener, nil, nil)
            if client < 0 {
                let error = errno
                if error == EINTR || error == ECONNABORTED { continue }
                if !lock.withLock({ stopped }) && [EMFILE, ENFILE, ENOBUFS, ENOMEM].contains(error) {
                    usleep(10_000)   // out of descriptors for a moment: the relay waits rather than dies
                    continue
                }
                // Stopped (or the listener failed): this thread owns the listener and closes it.
                close(listener)
                return
            }
            lock.withLock { accepted += 1 }
            let fault = self.fault
            if fault == .drop {
                lock.withLock { struck += 1 }
                close(client)
                continue
            }
            let server = (try? connectLoopback(port: upstreamPort)) ?? -1
            let registered: Bool = lock.withLock {
                guard !stopped, server >= 0 else { return false }
                sockets.insert(client)
                sockets.insert(server)
                return true
            }
            guard registered else {
                close(client)
                if server >= 0 { close(server) }
                continue
            }
            let connection = Connection(client: client, server: server, fault: fault)
            let done = DispatchGroup()
            for upward in [true, false] {
                done.enter()
                let t = Thread { [self] in pump(connection, upward: upward); done.leave() }
                t.stackSize = 1 << 18
                t.start()
            }
            let closer = Thread { [self] in
                done.wait()
                lock.withLock {
                    sockets.remove(client); sockets.remove(server)
                    if connection.struck { struck += 1 }
                }
                connection.lock.withLock {
                    connection.closed = true
                    close(client)
                    close(server)
                }
            }
            closer.stackSize = 1 << 16
            closer.start()
        }
    }

    /// One relayed connection: its two sockets, the fault it was accepted under, and the bytes that crossed it.
    private final class Connection: @unchecked Sendable {
        let client: Int32, server: Int32
        let fault: LinkFault
        let lock = NSLock()
        var struck = false
        var halted = false
        /// Set by the closer, under `lock`, just before it closes both sockets.
        var closed = false
        private var striking = false
        init(client: Int32, server: Int32, fault: LinkFault) { self.client = client; self.server = server; self.fault = fault }

        /// How many of `n` bytes going `upward` (or down) may still cross before the fault strikes: nil, all of
        /// them (the fault has not struck); a number, that many, and the fault strikes now (0 once it has struck).
        func allowance(_ n: Int, upward: Bool) -> Int? {
            lock.withLock {
                guard !halted else { return 0 }
                let limit: Int, counted: Int
                switch fault {
                case .cutUp(let k) where upward: (limit, counted) = (k, up)
                case .cutDown(let k) where !upward: (limit, counted) = (k, down)
                case .reset(let k), .halfOpen(let k, _): (limit, counted) = (k, up + down)
                default: return nil
                }
                let left = max(0, limit - counted)
                let passing = min(n, left)
                if upward { up += passing } else { down += passing }
                guard n >= left else { return nil }
                halted = true
                struck = true
                return left
            }
        }
        private var up = 0, down = 0

        /// Ends the connection as the fault says, once it has struck: cut (FIN both ways), reset (RST both ways,
        /// sent by the closer's `close`), or half-open (nothing: both ends wait).
        func strike() {
            guard lock.withLock({ () -> Bool in defer { striking = true }; return !striking }) else { return }
            switch fault {
            case .cutUp, .cutDown:
                shutdown(client, Int32(SHUT_RDWR)); shutdown(server, Int32(SHUT_RDWR))
            case .reset:
                var hard = linger(l_onoff: 1, l_linger: 0)
                for fd in [client, server] {
                    setsockopt(fd, SOL_SOCKET, SO_LINGER, &hard, socklen_t(MemoryLayout<linger>.size))
                    // Wakes the other pump without sending a FIN; the RST goes when the closer closes the socket.
                    shutdown(fd, Int32(SHUT_RD))
                }
            case .halfOpen(_, let seconds):
                // Silence on both ends until the link comes back as gone: then the relay lets go of both (a NAT or
                // a mast forgetting the connection), unless both ends have given up first.
                let release = Thread { [self] in
                    usleep(useconds_t(seconds) * 1_000_000)
                    // Under the lock, and only while the closer has not closed them: a closed descriptor's number
                    // may already belong to another socket (another relay's listener), which must not be touched.
                    lock.withLock {
                        guard !closed else { return }
                        shutdown(client, Int32(SHUT_RDWR)); shutdown(server, Int32(SHUT_RDWR))
                    }
                }
                release.stackSize = 1 << 16
                release.start()
            case .none, .drop, .delay:
                break
            }
        }
    }

    /// Copies one direction of `connection` until its source ends, counting, throttling and applying its fault;
    /// then half-closes the other side (or, after a fault, leaves the ending to the fault).
    private func pump(_ connection: Connection, upward: Bool) {
        let (from, to) = upward ? (connection.client, connection.server) : (connection.server, connection.client)
        var buffer = [UInt8](repeating: 0, count: 16_384)
        // The earliest instant the next bytes may go: a link that was idle earns no credit for the time it was.
        var next = monotonicNanos()
        var faulted = false
        loop: while true {
            let limit = bitsPerSecond
            let slice = limit.map { max(1, min(buffer.count, $0 / 8 / 50)) } ?? buffer.count
            var n = buffer.withUnsafeMutableBytes { recv(from, $0.baseAddress, slice, 0) }
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else { break }
            if faulted { continue }   // half-open: what arrives is swallowed, nothing goes on
            if case .delay(let ms) = connection.fault {
                connection.lock.withLock { connection.struck = true }
                usleep(useconds_t(ms) * 1000)
            }
            let allowed = connection.allowance(n, upward: upward)
            if let allowed { n = allowed }
            // Counted before it is handed on: once the other side has the bytes, the counts include them.
            lock.withLock { if upward { up += n } else { down += n } }
            var offset = 0
            while offset < n {
                let w = buffer.withUnsafeBytes { send(to, $0.baseAddress! + offset, n - offset, Int32(MSG_NOSIGNAL)) }
                if w < 0 && errno == EINTR { continue }
                guard w > 0 else { break loop }
                offset += w
            }
            if allowed != nil {
                faulted = true
                connection.strike()
                if case .halfOpen = connection.fault { continue }
                break
            }
            if let limit {
                next = max(next, monotonicNanos()) + UInt64(Double(n) * 8 / Double(limit) * 1e9)
                let now = monotonicNanos()
                if next > now { usleep(useconds_t(min(Double(next - now) / 1000, 5_000_000))) }
            }
        }
        if !connection.lock.withLock({ connection.halted }) { shutdown(to, Int32(SHUT_WR)) }
    }
}

/// True when something accepts TCP connections on `127.0.0.1:port` now.
public func loopbackAccepts(port: Int) -> Bool {
    guard let fd = try? connectLoopback(port: port) else { return false }
    close(fd)
    return true
}

/// What `LinkProxy` does to a connection (issue #19, "Faults"): the field's 3G drops, cuts and stalls, on loopback.
public enum LinkFault: Sendable, Equatable, CustomStringConvertible {
    /// Relayed faithfully.
    case none
    /// Accepted and closed at once, before a byte passes (the network went as the connection was made).
    case drop
    /// `after` bytes pass kiosk → server, then both ends are closed (FIN): a request cut off on its way.
    case cutUp(after: Int)
    /// `after` bytes pass server → kiosk, then both ends are closed: the server may have done the work and its
    /// reply is lost on the way back.
    case cutDown(after: Int)
    /// `after` bytes pass (both ways together), then both ends are reset (TCP RST).
    case reset(after: Int)
    /// Every slice waits `milliseconds` before it goes on (a far, slow link).
    case delay(milliseconds: Int)
    /// `after` bytes pass (both ways together), then nothing more, while both ends stay open: each waits until it
    /// gives up (the kiosk's read timeout), and after `seconds` the relay lets go of both ends. A half-close by one
    /// end does not pass either.
    case halfOpen(after: Int, seconds: Int)

    /// A short name for a report: "cut up after 120 bytes".
    public var description: String {
        switch self {
        case .none: "none"
        case .drop: "dropped as made"
        case .cutUp(let k): "cut on the way up after \(k) bytes"
        case .cutDown(let k): "cut on the way down after \(k) bytes"
        case .reset(let k): "reset after \(k) bytes"
        case .delay(let ms): "\(ms) ms on every slice"
        case .halfOpen(let k, let seconds): "half-open after \(k) bytes for \(seconds) s"
        }
    }
}

/// A TCP connection to `127.0.0.1:port`: the connected socket (the caller closes it).
///
/// A signal that interrupts `connect` (a test process gets SIGCHLD from the programs it runs) does not stop the
/// connection, which goes on in the kernel: it is then awaited with `poll` and its outcome read from `SO_ERROR`,
/// rather than reported as a failure or started again (a second connection would reach a one-shot server first).
/// - Throws: `LinkProxy.Failed` naming the system call and errno when nothing accepts there or no socket is left.
public func connectLoopback(port: Int) throws -> Int32 {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    guard fd >= 0 else { throw LinkProxy.Failed(description: "socket: errno \(errno)") }
    var address = LinkProxy.loopback(port: UInt16(port))
    let result = withUnsafePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
    }
    var failure = result == 0 ? 0 : errno
    if failure == EINTR || failure == EINPROGRESS {
        var ready = pollfd(fd: fd, events: Int16(POLLOUT), revents: 0)
        while poll(&ready, 1, -1) < 0 && errno == EINTR {}
        var code: Int32 = 0
        var length = socklen_t(MemoryLayout<Int32>.size)
        failure = getsockopt(fd, SOL_SOCKET, SO_ERROR, &code, &length) == 0 ? code : errno
    }
    guard failure == 0 else {
        close(fd)
        throw LinkProxy.Failed(description: "connect to 127.0.0.1:\(port): errno \(failure)")
    }
    return fd
}
