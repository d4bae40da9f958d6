package textnorm

//go:generate go run ./internal/confgen -o confusables_table.go
