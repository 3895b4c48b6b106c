import ArgumentParser
import Exports
import Foundation
import Model
import Storage
import TUI
import Vault

/// Logs a person in on `store` from the command line, as the login screen would: their name, a role check,
/// then their PIN (read without echo, or from the first line of a non-terminal input). From then on every
/// change and record of the command is theirs (issue #16).
/// - Parameters:
///   - user: the name as on the login screen (case and accents ignored).
///   - purpose: the past participle for "Nothing was …" ("exported", "added").
///   - allowed: whether the account's roles allow the command.
///   - refused: records the refusal and returns the message to print.
///   - before: checks to make before the PIN is asked (so a typo costs no PIN).
/// - Returns: the logged-in user.
/// - Throws: `Failure` with a plain message (no such user, not allowed, no PIN, wrong PIN, locked account).
func logIn(_ store: KingaStore, user: String, purpose: String, allowed: (User) -> Bool, refused: (User) -> String,
           before: () throws -> Void = {}) throws -> User {
    guard let account = try store.users().first(where: { $0.name.compare(user, options: [.caseInsensitive, .diacriticInsensitive]) == .orderedSame }) else {
        throw Failure(message: "There is no active user called \"\(user)\". Use your name as it appears on the login screen.")
    }
    guard allowed(account) else { throw Failure(message: refused(account)) }
    try before()
    guard let pin = PINInput.read(prompt: "PIN for \(account.name): ") else {
        throw Failure(message: "No PIN was typed. Nothing was \(purpose).")
    }
    switch try store.login(userID: account.id, pin: pin) {
    case .success(let me): return me
    case .locked(let until):
        throw Failure(message: "Too many wrong PINs: \(account.name)'s account is locked until \(ISO8601.format(until).prefix(16).replacingOccurrences(of: "T", with: " ")) UTC.")
    case .failed: throw Failure(message: "That PIN is not right. Nothing was \(purpose).")
    }
}
