export function generateAccessPatternDoc(): string { return ""; }
