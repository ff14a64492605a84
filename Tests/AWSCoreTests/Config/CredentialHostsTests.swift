import Testing
@testable import AWSCore

struct CredentialHostsTests {
    @Test func loopback() {
        for host in ["127.0.0.1", "127.1.2.3", "localhost", "[::1]", "::1"] {
            #expect(CredentialHosts.isLoopback(host), "\(host)")
        }
        for host in ["0.0.0.0", "127.0.0.1.evil.example", "128.0.0.1", "169.254.170.2", "[::2]"] {
            #expect(!CredentialHosts.isLoopback(host), "\(host)")
        }
    }

    @Test func containerURLsAsTheSDKsAllowThem() throws {
        func url(_ name: String, _ value: String) throws -> String? { try CredentialHosts.containerURL([name: value]) }
        let full = "AWS_CONTAINER_CREDENTIALS_FULL_URI", relative = "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI"
        for ok in [
            "http://127.0.0.1:8080/creds", "http://localhost/c", "http://169.254.170.2/v2/c",
            "http://169.254.170.23/v1/c",
            "http://[fd00:ec2::23]/v1/c", "http://[::1]:9/c", "https://creds.example.com/c",
        ] {
            #expect(try url(full, ok) == ok)
        }
        for bad in ["http://198.51.100.7/creds", "http://169.254.170.2.evil.example/c", "http://creds.example.com/c"] {
            #expect(throws: ToolError.self) { try url(full, bad) }
        }
        #expect(try url(relative, "/v2/credentials/x") == "http://169.254.170.2/v2/credentials/x")
        for bad in ["@evil.example/x", "//evil.example/x", "v2/x", "/x@evil.example", "/x\r\nHost: evil"] {
            #expect(throws: ToolError.self) { try url(relative, bad) }
        }
        #expect(try CredentialHosts.containerURL([:]) == nil)
    }
}
