import Foundation
import Testing
@testable import AWSCore

/// Real TLS and a real proxy: the emulator behind an HTTPS relay whose certificate is signed by
/// a CA made for this test (openssl), reached directly or through tinyproxy (Debian's), as
/// libcurl is told by AWS_CA_BUNDLE, https_proxy / HTTPS_PROXY and no_proxy.
extension Integration {
    @Suite struct TLSProxyTests {
        let dir = NSTemporaryDirectory() + "tls-tests-\(getpid())-\(UInt32.random(in: 0..<1_000_000))"
        static let describeRegions = #"{"service":"ec2","body":"Action=DescribeRegions&Version=2016-11-15"}"#

        init() throws { try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true) }

        func sh(_ script: String) throws {
            let p = Process()
            p.executableURL = URL(fileURLWithPath: "/bin/sh")
            p.arguments = ["-ec", script]
            p.currentDirectoryURL = URL(fileURLWithPath: dir)
            let err = Pipe()
            p.standardError = err
            p.standardOutput = FileHandle.nullDevice
            try p.run()
            let text = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            p.waitUntilExit()
            guard p.terminationStatus == 0 else { throw ToolError.remote("\(script.prefix(60))…: \(text)") }
        }

        /// Two CAs (the right one and a stranger) and a server certificate for localhost and
        /// 127.0.0.1 signed by the right one.
        func makeCertificates() throws {
            try sh(
                """
                for ca in ca wrong-ca; do
                  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 1 -subj "/CN=test $ca" \
                    -keyout $ca.key -out $ca.pem 2>/dev/null
                done
                openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj /CN=localhost \
                  -keyout server.key -out server.csr 2>/dev/null
                printf 'subjectAltName=DNS:localhost,IP:127.0.0.1\\nextendedKeyUsage=serverAuth\\n' > ext
                openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 1 -extfile ext -out server.pem 2>/dev/null
                """)
        }

        func tlsRelay() throws -> Relay {
            try makeCertificates()
            return try Relay(tls: (dir + "/server.pem", dir + "/server.key"))
        }

        func signRequest(_ env: [String: String?]) throws -> ToolResult {
            try run("aws-sign-request", stdin: Self.describeRegions, env: Emulator.environment(env))
        }

        @Test func caBundleIsTrustedAndAnotherCAIsRefused() throws {
            let relay = try tlsRelay()
            defer { relay.stop() }
            let trusted = try signRequest(["AWS_ENDPOINT_URL": relay.url, "AWS_CA_BUNDLE": dir + "/ca.pem"])
            #expect(trusted.status == 0 && trusted.json?["status"] == 200, "\(trusted.stderr)")
            for bundle in [dir + "/wrong-ca.pem", nil] {  // a stranger's CA, and the system's store
                let refused = try signRequest(["AWS_ENDPOINT_URL": relay.url, "AWS_CA_BUNDLE": bundle])
                #expect(refused.status == 1 && refused.stdout.isEmpty, "\(refused.stderr)")
                #expect(
                    refused.stderr.lowercased().contains("certificate"), "no word of the TLS problem: \(refused.stderr)"
                )
            }
        }

        /// tinyproxy in the foreground, logging every CONNECT to a file of its own.
        final class Proxy {
            let process = Process()
            let log: String
            let url: String

            init(dir: String) throws {
                let port = try Proxy.freePort()
                log = dir + "/tinyproxy.log"
                let config = dir + "/tinyproxy.conf"
                try """
                Port \(port)
                Listen 127.0.0.1
                Timeout 30
                MaxClients 16
                LogFile "\(log)"
                LogLevel Connect
                Allow 127.0.0.1
                """.write(toFile: config, atomically: true, encoding: .utf8)
                _ = FileManager.default.createFile(atPath: log, contents: nil)
                chmod(log, 0o666)  // tinyproxy may drop root for nobody
                process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
                process.arguments = ["tinyproxy", "-d", "-c", config]
                process.standardOutput = FileHandle.nullDevice
                process.standardError = FileHandle.nullDevice
                try process.run()
                url = "http://127.0.0.1:\(port)"
                let process = process
                guard Wait.until({ Proxy.accepts(port) || !process.isRunning }), process.isRunning else {
                    throw ToolError.remote("tinyproxy did not start (is it installed? make deps)")
                }
            }

            var connects: [String] {
                ((try? String(contentsOfFile: log, encoding: .utf8)) ?? "").split(separator: "\n")
                    .filter { $0.contains("CONNECT ") }.map(String.init)
            }

            /// SIGKILL: Foundation starts children with SIGTERM blocked.
            func stop() {
                if process.isRunning { kill(process.processIdentifier, SIGKILL); process.waitUntilExit() }
            }

            static func freePort() throws -> Int {
                let s = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
                defer { close(s) }
                var addr = sockaddr_in()
                addr.sin_family = sa_family_t(AF_INET)
                addr.sin_addr.s_addr = inet_addr("127.0.0.1")
                var len = socklen_t(MemoryLayout<sockaddr_in>.size)
                let bound = withUnsafeMutablePointer(to: &addr) {
                    $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                        bind(s, $0, len) == 0 && getsockname(s, $0, &len) == 0
                    }
                }
                guard bound else { throw ToolError.remote("no free port for tinyproxy") }
                return Int(UInt16(bigEndian: addr.sin_port))
            }

            static func accepts(_ port: Int) -> Bool {
                let s = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
                defer { close(s) }
                var addr = sockaddr_in()
                addr.sin_family = sa_family_t(AF_INET)
                addr.sin_port = in_port_t(UInt16(port).bigEndian)
                addr.sin_addr.s_addr = inet_addr("127.0.0.1")
                return withUnsafePointer(to: &addr) {
                    $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                        connect(s, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0
                    }
                }
            }
        }

        @Test func httpsProxyCarriesTheRequestsAndNoProxyGoesAround() throws {
            let relay = try tlsRelay()
            defer { relay.stop() }
            let proxy = try Proxy(dir: dir)
            defer { proxy.stop() }
            let target = relay.url.replacingOccurrences(of: "https://", with: "")
            let base: [String: String?] = ["AWS_ENDPOINT_URL": relay.url, "AWS_CA_BUNDLE": dir + "/ca.pem"]
            for variable in ["https_proxy", "HTTPS_PROXY"] {
                let before = proxy.connects.count
                let r = try signRequest(base.merging([variable: proxy.url]) { $1 })
                #expect(r.status == 0, "\(variable): \(r.stderr)")
                #expect(
                    proxy.connects.dropFirst(before).contains { $0.contains("CONNECT \(target)") },
                    "\(variable): the proxy saw no CONNECT \(target): \(proxy.connects)")
            }
            let before = proxy.connects.count
            let bypass = try signRequest(base.merging(["https_proxy": proxy.url, "no_proxy": "localhost"]) { $1 })
            #expect(bypass.status == 0, "\(bypass.stderr)")
            #expect(proxy.connects.count == before, "no_proxy=localhost went through the proxy: \(proxy.connects)")
            proxy.stop()
            let down = try signRequest(base.merging(["https_proxy": proxy.url]) { $1 })
            #expect(down.status == 1, "the proxy is stopped, yet the request went through: \(down.stderr)")
        }
    }
}
