import Testing
@testable import AWSCore
@testable import SandboxRelease

struct ImagesTests {
    @Test func amiNames() {
        #expect(throws: Never.self) { try Images.validate(name: "sandbox 1.2 (2024) [x]/y-z_'@", flag: "--name") }
        for bad in ["ab", String(repeating: "a", count: 129), "naïve", "a*b"] {
            #expect(throws: ToolError.self) { try Images.validate(name: bad, flag: "--name") }
        }
    }
}
