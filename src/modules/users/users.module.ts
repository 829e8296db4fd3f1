import { Module } from '@nestjs/common';
import { ROLE_LOOKUP } from '../../common/auth/role-lookup.js';
import { UserRolesService } from './user-roles.service.js';
import { UsersController } from './users.controller.js';
import { UsersRepository } from './users.repository.js';

@Module({
  controllers: [UsersController],
  providers: [
    UsersRepository,
    UserRolesService,
    // The access guard's view of current roles (src/common/auth knows only the interface).
    { provide: ROLE_LOOKUP, useExisting: UsersRepository },
  ],
  exports: [UsersRepository, ROLE_LOOKUP],
})
export class UsersModule {}
