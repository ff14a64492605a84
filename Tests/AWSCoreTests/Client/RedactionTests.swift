import Testing
@testable import AWSCore

struct RedactionTests {
    let credentials = Credentials(
        accessKeyId: "AKIDEXAMPLE", secretAccessKey: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
        sessionToken: "FwoGZXIvYXdzE/token+value==", source: "test")

    @Test func secretsAreRedactedRawAndPercentEncoded() {
        let r = Redaction(credentials)
        let echoed =
            "The canonical request: x-amz-security-token:FwoGZXIvYXdzE/token+value== "
            + "&X-Amz-Security-Token=FwoGZXIvYXdzE%2Ftoken%2Bvalue%3D%3D key wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
        #expect(
            r.apply(echoed) == "The canonical request: x-amz-security-token:<redacted> "
                + "&X-Amz-Security-Token=<redacted> key <redacted>")
        #expect(r.apply("AKIDEXAMPLE is not a secret") == "AKIDEXAMPLE is not a secret")
        let error = r.apply(
            AWSError(code: "SignatureDoesNotMatch", message: "token FwoGZXIvYXdzE/token+value==", status: 403))
        #expect(error.message == "token <redacted>" && error.code == "SignatureDoesNotMatch")
    }

    @Test func shortValuesAreLeftAlone() {
        let r = Redaction(Credentials(accessKeyId: "a", secretAccessKey: "secret", sessionToken: "tok", source: "test"))
        #expect(r.apply("x-amz-security-token") == "x-amz-security-token")
    }
}
