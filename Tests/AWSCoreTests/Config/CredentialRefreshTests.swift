import Testing
@testable import AWSCore

struct CredentialRefreshTests {
    let hour = 3600

    @Test func longTermKeysAreNeverRenewed() {
        #expect(!CredentialRefresh.isDue(expiration: nil, obtained: 0, now: 10 * hour))
    }

    @Test func anHourLongKeyIsRenewedFiveMinutesBeforeItExpires() {
        let obtained = 1_000_000, expiration = obtained + hour
        #expect(!CredentialRefresh.isDue(expiration: expiration, obtained: obtained, now: obtained))
        #expect(!CredentialRefresh.isDue(expiration: expiration, obtained: obtained, now: expiration - 301))
        #expect(CredentialRefresh.isDue(expiration: expiration, obtained: obtained, now: expiration - 300))
        #expect(CredentialRefresh.isDue(expiration: expiration, obtained: obtained, now: expiration + 1))
    }

    @Test func aShortLivedKeyIsRenewedHalfWayThroughItsLife() {
        let obtained = 1_000_000, expiration = obtained + 30
        #expect(!CredentialRefresh.isDue(expiration: expiration, obtained: obtained, now: obtained + 14))
        #expect(CredentialRefresh.isDue(expiration: expiration, obtained: obtained, now: obtained + 15))
    }

    @Test func aKeyThatArrivedExpiredIsDueAtOnce() {
        #expect(CredentialRefresh.isDue(expiration: 100, obtained: 200, now: 200))
    }

    @Test func everySourcesExpirationIsKept() throws {
        let body = #"{"AccessKeyId":"ASIAX","SecretAccessKey":"s","Token":"t","Expiration":"2026-11-28T18:00:30Z"}"#
        let response = HTTPResponse(status: 200, headers: HTTPHeaders([]), body: Array(body.utf8), bodyFile: nil)
        let c = try CredentialChain.decodeCredentialJSON(response, from: "container")
        #expect(c.expiration == AmzDate(iso8601: "20261128T180030Z")?.seconds)
        #expect(CredentialChain.expirationSeconds(.string("2026-11-28T18:00:30.123Z")) == c.expiration)
        // STS's Expiration as the typed XML answer prints it, and an offset
        #expect(CredentialChain.expirationSeconds(.string("2026-11-28T18:00:30+00:00")) == c.expiration)
        #expect(CredentialChain.expirationSeconds(.string("2026-11-28T19:30:30.5+01:30")) == c.expiration)
    }
}
