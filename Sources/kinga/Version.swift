/// Kinga's version, shown by `kinga --version`.
enum KingaVersion {
    static let string = "0.1.0"
}
