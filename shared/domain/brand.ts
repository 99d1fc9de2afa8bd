/** A nominal type: `Brand<string, 'AccountId'>` is a string the compiler will not mix up with others. */
export type Brand<T, B extends string> = T & { readonly __brand: B };
