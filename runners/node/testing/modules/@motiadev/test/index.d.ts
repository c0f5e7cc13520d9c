export * from '../../../tester'
