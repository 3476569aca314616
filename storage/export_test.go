package storage

// ArrayLiteral lets the external tests build array parameters.
type ArrayLiteral = arrayLiteral
