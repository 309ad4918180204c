//! Terraform's built-in functions (Terraform 1.10 language documentation,
//! "Functions"), so that a misspelt call fails here as it would fail
//! `terraform validate`. Provider-defined functions (`provider::...`) are
//! not checked.

#[rustfmt::skip]
const BUILTIN: &[&str] = &[
    // numeric
    "abs", "ceil", "floor", "log", "max", "min", "parseint", "pow", "signum",
    // string
    "chomp", "endswith", "format", "formatlist", "indent", "join", "lower", "regex", "regexall",
    "replace", "split", "startswith", "strcontains", "strrev", "substr", "templatestring", "title",
    "trim", "trimprefix", "trimspace", "trimsuffix", "upper",
    // collection
    "alltrue", "anytrue", "chunklist", "coalesce", "coalescelist", "compact", "concat", "contains",
    "distinct", "element", "flatten", "index", "keys", "length", "lookup", "matchkeys", "merge",
    "one", "range", "reverse", "setintersection", "setproduct", "setsubtract", "setunion", "slice",
    "sort", "sum", "transpose", "values", "zipmap",
    // encoding
    "base64decode", "base64encode", "base64gzip", "csvdecode", "jsondecode", "jsonencode",
    "textdecodebase64", "textencodebase64", "urlencode", "yamldecode", "yamlencode",
    // filesystem
    "abspath", "basename", "dirname", "file", "filebase64", "fileexists", "fileset", "pathexpand",
    "templatefile",
    // date and time
    "formatdate", "plantimestamp", "timeadd", "timecmp", "timestamp",
    // hash and crypto
    "base64sha256", "base64sha512", "bcrypt", "filebase64sha256", "filebase64sha512", "filemd5",
    "filesha1", "filesha256", "filesha512", "md5", "rsadecrypt", "sha1", "sha256", "sha512",
    "uuid", "uuidv5",
    // IP network
    "cidrhost", "cidrnetmask", "cidrsubnet", "cidrsubnets",
    // type conversion
    "can", "ephemeralasnull", "issensitive", "nonsensitive", "sensitive", "tobool", "tolist",
    "tomap", "tonumber", "toset", "tostring", "try",
];

pub fn is_builtin(name: &str) -> bool {
    BUILTIN.contains(&name)
}
