import Foundation
import Testing
@testable import AWSCore
@testable import SandboxRelease

struct S3ObjectsTests {
    @Test func deleteObjectsBodyIsEscapedAndBase64IsStandard() {
        #expect(S3Objects.xmlEscaped(#"a&b<c>"d'"#) == "a&amp;b&lt;c&gt;&quot;d&apos;")
        for (text, expected) in [("", ""), ("f", "Zg=="), ("fo", "Zm8="), ("foo", "Zm9v"), ("foobar", "Zm9vYmFy")] {
            #expect(Base64.encode(Array(text.utf8)) == expected)
        }
        let bytes = (0..<300).map { UInt8($0 % 256) }
        #expect(Base64.encode(bytes) == Data(bytes).base64EncodedString())
    }
}
