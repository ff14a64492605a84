/// When temporary credentials are fetched again: some minutes before their `Expiration`, as the
/// SDKs do (botocore: 15 min advisory, 10 min mandatory), so that a request signed now still
/// arrives valid. Keys that live less than twice that window (the emulator's 30 s ones, short
/// AssumeRole sessions) are renewed half-way through their life instead.
public enum CredentialRefresh {
    public static let window = 5 * 60

    /// True when credentials obtained at `obtained` that expire at `expiration` (epoch seconds)
    /// should be replaced at `now`. Credentials without an expiration never are.
    public static func isDue(expiration: Int?, obtained: Int, now: Int) -> Bool {
        guard let expiration else { return false }
        let margin = min(window, max(0, (expiration - obtained) / 2))
        return now >= expiration - margin
    }

    /// The error codes with which AWS refuses a request signed with credentials that expired.
    public static let expiredCodes: Set<String> = ["ExpiredToken", "ExpiredTokenException", "RequestExpired"]
}
