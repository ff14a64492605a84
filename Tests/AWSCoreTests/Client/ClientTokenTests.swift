import Testing
@testable import AWSCore

struct ClientTokenTests {
    @Test func clientTokensAreStableAndFitEC2() {
        let a = ClientToken.derive(["ExportImage", "ami-1", "vmdk", "bucket", "images/1/", "0"])
        #expect(a == ClientToken.derive(["ExportImage", "ami-1", "vmdk", "bucket", "images/1/", "0"]))
        #expect(a != ClientToken.derive(["ExportImage", "ami-1", "vmdk", "bucket", "images/1/", "1"]))
        #expect(ClientToken.derive(["ab", "c"]) != ClientToken.derive(["a", "bc"]))
        #expect(a.count == 64 && a.allSatisfy(\.isHexDigit))
        #expect(ClientToken.random() != ClientToken.random())
    }
}
